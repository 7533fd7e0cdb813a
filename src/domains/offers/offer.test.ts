import { describe, expect, it } from 'vitest';
import type { OptionKind, ProductTexts, SellableProduct } from '../catalog/index.js';
import { offerTexts, proposeOffers, relatedRefs, type OfferType } from './offer.js';

type Spec = Partial<{
  mustProposeDvd: boolean;
  option: OptionKind;
  optionRefs: number[];
  upSellRefs: number[];
  crossSellRefs: number[];
}>;

/** A product as a EUR POS sells it; only what proposeOffers reads varies. */
function product(ref: number, spec: Spec = {}): SellableProduct {
  return {
    ref, publisherId: spec.mustProposeDvd ? 2 : 1, type: 1, status: 'on_sale', releaseDate: null,
    texts: { en: { name: `Product ${ref}`, shortDescription: null, longDescription: null } },
    categoryIds: [], osIds: [], version: null, numberOfUsers: null, licenseLifetime: null, ean: null, drm: null, keywords: null,
    flags: { new: false, top: false, promo: false }, images: { small: null, medium: null, big: null }, screenshots: [],
    systemRequirements: { memoryMb: null, diskMb: null },
    prices: [{ currency: 'EUR', retailer: 100, public: 300, sale: 200, renewal: null }],
    delivery: {
      serialsPerUnit: 0, serialSource: 'none', serialPattern: null, lowStockThreshold: 10, remark: null,
      digitalLockerLink: null, downloadManager: false, newSerialEachTerm: false,
    },
    files: [], subscription: null,
    option: spec.option ? { kind: spec.option, duration: spec.option === 'download_extension' ? 'P1Y' : null } : null,
    optionRefs: spec.optionRefs ?? [], crossSellRefs: spec.crossSellRefs ?? [], upSellRefs: spec.upSellRefs ?? [],
    createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z',
    publisher: spec.mustProposeDvd ? { id: 2, name: 'Disc Minded', mustProposeDvd: true } : { id: 1, name: 'Plain', mustProposeDvd: false },
    currency: 'EUR', saleMinor: 200, retailerMinor: 100, publicMinor: 300, renewalMinor: null,
  };
}

const catalogOf = (...products: SellableProduct[]) => new Map(products.map((p) => [p.ref, p]));
const always = () => true;

/** proposeOffers reduced to what the tests compare: [ref, type, mandatory] in answer order. */
function propose(basket: SellableProduct[], sellable: SellableProduct[], inStock: (p: SellableProduct) => boolean = always): [number, OfferType, boolean][] {
  return proposeOffers(basket, catalogOf(...basket, ...sellable), inStock).map((o) => [o.product.ref, o.type, o.mandatory]);
}

describe('proposeOffers: options', () => {
  const extension = product(91, { option: 'download_extension' });
  const backup = product(92, { option: 'backup_dvd' });

  it('offers an option listed by every non-option product of the basket', () => {
    const a = product(1, { optionRefs: [91] });
    const b = product(2, { optionRefs: [91] });
    expect(propose([a, b], [extension])).toEqual([[91, 'option', false]]);
  });

  it('does not offer an option that one non-option product of the basket does not list', () => {
    const a = product(1, { optionRefs: [91, 92] });
    const b = product(2, { optionRefs: [91] });
    expect(propose([a, b], [extension, backup])).toEqual([[91, 'option', false]]);
  });

  it('ignores the option products of the basket when checking that every product lists an option', () => {
    const main = product(1, { optionRefs: [91, 92] });
    expect(propose([main, extension], [backup])).toEqual([[92, 'option', false]]);
  });

  it('does not propose an option that is already in the basket', () => {
    const main = product(1, { optionRefs: [91] });
    expect(propose([main, extension], [])).toEqual([]);
  });

  it('offers no option to a basket made only of options', () => {
    expect(propose([extension], [backup])).toEqual([]);
  });

  it('offers an option only some main products list with the up-sell or cross-sell type a basket product gives it', () => {
    const a = product(1, { optionRefs: [92] });
    const b = product(2, { crossSellRefs: [92] });
    expect(propose([a, b], [backup])).toEqual([[92, 'cross', false]]);
  });
});

describe('proposeOffers: must-propose DVD', () => {
  const dvd = product(93, { option: 'download_dvd', mustProposeDvd: true });

  it('offers the download DVD of a must-propose-DVD publisher product as mandatory even when another product does not list it', () => {
    const office = product(1, { mustProposeDvd: true, optionRefs: [93] });
    const game = product(2);
    expect(propose([office, game], [dvd])).toEqual([[93, 'option', true]]);
  });

  it('offers it mandatory, once, when every product lists it', () => {
    const office = product(1, { mustProposeDvd: true, optionRefs: [93] });
    const other = product(2, { optionRefs: [93], crossSellRefs: [93] });
    expect(propose([office, other], [dvd])).toEqual([[93, 'option', true]]);
  });

  it('follows the every-product rule, not mandatory, for the download DVD of a publisher without the flag', () => {
    const plainDvd = product(94, { option: 'download_dvd' });
    const a = product(1, { optionRefs: [94] });
    const b = product(2, { optionRefs: [94] });
    expect(propose([a, product(3)], [plainDvd])).toEqual([]);
    expect(propose([a, b], [plainDvd])).toEqual([[94, 'option', false]]);
  });

  it('follows the every-product rule for the other options of a must-propose-DVD publisher', () => {
    const backup = product(92, { option: 'backup_dvd', mustProposeDvd: true });
    const office = product(1, { mustProposeDvd: true, optionRefs: [92] });
    expect(propose([office, product(2)], [backup])).toEqual([]);
    expect(propose([office], [backup])).toEqual([[92, 'option', false]]);
  });

  it('does not propose a must-propose download DVD the POS does not sell or that is in the basket', () => {
    const office = product(1, { mustProposeDvd: true, optionRefs: [93] });
    expect(propose([office], [])).toEqual([]);
    expect(propose([office, dvd], [])).toEqual([]);
  });
});

describe('proposeOffers: up-sell and cross-sell', () => {
  it('offers up-sells and cross-sells with their type', () => {
    const main = product(1, { upSellRefs: [10], crossSellRefs: [20] });
    expect(propose([main], [product(10), product(20)])).toEqual([[10, 'up', false], [20, 'cross', false]]);
  });

  it('never proposes a product of the basket', () => {
    const a = product(1, { crossSellRefs: [2, 20] });
    const b = product(2, { upSellRefs: [1] });
    expect(propose([a, b], [product(20)])).toEqual([[20, 'cross', false]]);
  });

  it('never proposes a product the POS does not sell (absent from the sellable products)', () => {
    const main = product(1, { upSellRefs: [10, 11], crossSellRefs: [20, 21], optionRefs: [91] });
    expect(propose([main], [product(10), product(20)])).toEqual([[10, 'up', false], [20, 'cross', false]]);
  });

  it('never proposes a product out of stock, option or not', () => {
    const main = product(1, { upSellRefs: [10, 11], crossSellRefs: [20], optionRefs: [91] });
    const inStock = (p: SellableProduct) => p.ref === 11;
    expect(propose([main], [product(10), product(11), product(20), product(91, { option: 'download_extension' })], inStock)).toEqual([[11, 'up', false]]);
  });

  it('asks about stock only for the products it may propose', () => {
    const asked: number[] = [];
    const main = product(1, { crossSellRefs: [20] });
    propose([main], [product(20), product(30)], (p) => { asked.push(p.ref); return true; });
    expect(asked).toEqual([20]);
  });

  it('proposes each ref once: up wins over cross', () => {
    const a = product(1, { crossSellRefs: [10] });
    const b = product(2, { upSellRefs: [10], crossSellRefs: [10] });
    expect(propose([a, b], [product(10)])).toEqual([[10, 'up', false]]);
  });

  it('proposes a ref that is both an option and an up-sell or cross-sell as an option', () => {
    const main = product(1, { optionRefs: [91], upSellRefs: [91], crossSellRefs: [91] });
    expect(propose([main], [product(91, { option: 'download_extension' })])).toEqual([[91, 'option', false]]);
  });

  it('orders options, then up-sells, then cross-sells, each by ref', () => {
    const main = product(1, { optionRefs: [95, 91], upSellRefs: [12, 10], crossSellRefs: [21, 5] });
    const sellable = [product(95, { option: 'backup_dvd' }), product(91, { option: 'download_extension' }), product(12), product(10), product(21), product(5)];
    expect(propose([main], sellable)).toEqual([
      [91, 'option', false], [95, 'option', false],
      [10, 'up', false], [12, 'up', false],
      [5, 'cross', false], [21, 'cross', false],
    ]);
  });

  it('returns the sellable product itself, with its POS price', () => {
    const main = product(1, { crossSellRefs: [20] });
    const cross = { ...product(20), saleMinor: 3950 };
    const [offer] = proposeOffers([main], catalogOf(cross), always);
    expect(offer).toEqual({ product: cross, type: 'cross', mandatory: false });
  });
});

describe('relatedRefs', () => {
  it('lists every option, up-sell and cross-sell ref of the basket once', () => {
    const a = product(1, { optionRefs: [91], upSellRefs: [10], crossSellRefs: [20] });
    const b = product(2, { optionRefs: [91], crossSellRefs: [10, 21] });
    expect(relatedRefs([a, b]).sort((x, y) => x - y)).toEqual([10, 20, 21, 91]);
  });
});

describe('offerTexts', () => {
  const texts = (name: string | null, shortDescription: string | null = null, longDescription: string | null = null): ProductTexts => ({ name, shortDescription, longDescription });
  const withTexts = (byLanguage: Record<string, ProductTexts>) => ({ ...product(1), texts: byLanguage });

  it('answers the texts of the requested language when the product has them', () => {
    const p = withTexts({ en: texts('Office', 'Suite'), fr: texts('Bureau', 'Suite (fr)') });
    expect(offerTexts(p, ['fr', 'de'])).toEqual({ name: 'Bureau', shortDescription: 'Suite (fr)', language: 'fr' });
  });

  it('falls back to the second language given (the POS master language), then to English', () => {
    const p = withTexts({ en: texts('Office', 'Suite'), de: texts('Büro', 'Suite (de)') });
    expect(offerTexts(p, ['it', 'de'])).toEqual({ name: 'Büro', shortDescription: 'Suite (de)', language: 'de' });
    expect(offerTexts(p, ['it', 'fr'])).toEqual({ name: 'Office', shortDescription: 'Suite', language: 'en' });
  });

  it('falls back to any language, the same one every time, when there is no English text', () => {
    const p = withTexts({ pt: texts('Escritório'), es: texts('Oficina') });
    expect(offerTexts(p, ['it', 'fr'])).toEqual({ name: 'Oficina', shortDescription: null, language: 'es' });
  });

  it('takes each text from the first language that has it, the language being the first that has any', () => {
    const p = withTexts({ en: texts('Harbor Notes', 'Take notes'), fr: texts(null, 'Prenez des notes') });
    expect(offerTexts(p, ['fr', 'fr'])).toEqual({ name: 'Harbor Notes', shortDescription: 'Prenez des notes', language: 'fr' });
  });

  it('does not count a language holding only a long description', () => {
    const p = withTexts({ en: texts('Office', 'Suite'), de: texts(null, null, 'Lang') });
    expect(offerTexts(p, ['de', 'fr'])).toEqual({ name: 'Office', shortDescription: 'Suite', language: 'en' });
  });
});
