import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PosSettings } from '../../src/domains/partners/index.js';
import { givenKeys } from '../support/products.js';
import { connectCall, startTestApp, type TestApp, type TestPartner } from '../support/test-app.js';

// getCrossUpSell (connect-api.md §5, §10; docs/decisions.md "getCrossUpSell"). Products are built
// through the catalog import, as a publisher's catalog reaches the platform; each test uses its own refs.

let t: TestApp;
let partner: TestPartner;

beforeAll(async () => {
  t = await startTestApp();
  partner = await t.given.partner();
});
afterAll(() => t.close());

type Json = Record<string, unknown>;
type OfferType = 'option' | 'up' | 'cross';
type Entry = {
  ref: number; type: OfferType; name: string | null; amountDutyFree: number; currency: string;
  shortDescription: string | null; language: string; imageSmall: string | null; mandatory: boolean;
};
type Answer = { productsReturn: Entry[]; responseCode: number; responseMessage: string };

/** A publisher without rules, and one flagged "must propose DVD" (the Microsoft rule). */
const PLAIN = 601;
const MUST_DVD = 602;
const OTHER = 603;
const PUBLISHERS = [
  { id: PLAIN, name: 'Plain Software' },
  { id: MUST_DVD, name: 'Disc Minded', mustProposeDvd: true },
  { id: OTHER, name: 'Other Works' },
];

/** A ref no product has. */
const UNKNOWN_REF = 2 ** 31 - 1;

let lastRef = 820_000;
const newRefs = (count: number) => Array.from({ length: count }, () => ++lastRef);

/** Each product's EUR sale price differs (820007 → 7.99), so an entry cannot show another's price. */
const saleOf = (ref: number) => Number(`${ref % 1000}.99`);

/**
 * A product of the catalog file: English name and short description, a small image, an EUR price
 * (retailer 1, public 999, sale `saleOf(ref)`), no serial (never out of stock) unless `extra` says otherwise.
 */
function product(ref: number, extra: Json = {}): Json {
  return {
    ref,
    publisherId: PLAIN,
    names: { en: `Name ${ref}` },
    shortDescriptions: { en: `Short ${ref}` },
    images: { small: `img/${ref}-s.png` },
    prices: [{ currency: 'EUR', retailer: 1, public: 999, sale: saleOf(ref) }],
    delivery: { serialSource: 'none' },
    ...extra,
  };
}

/** An option product of `kind` (a download extension lasts one year). */
function option(ref: number, kind: 'download_extension' | 'backup_dvd' | 'download_dvd', extra: Json = {}): Json {
  return product(ref, { option: kind === 'download_extension' ? { kind, duration: 'P1Y' } : { kind }, ...extra });
}

/** Imports products as `resell catalog import` does: check the file, then one transaction. */
async function importCatalog(...products: Json[]): Promise<void> {
  const checked = await t.app.catalog.checkCatalogFile({ publishers: PUBLISHERS, products }, t.dataDir);
  await t.app.db.transaction().execute((tx) => t.app.catalog.importCatalogFile(tx, checked, 'test'));
}

/** The entry expected for a product built by `product`/`option`, asked in "EN". */
function offer(ref: number, type: OfferType, extra: Partial<Entry> = {}): Entry {
  return {
    ref, type, name: `Name ${ref}`, amountDutyFree: saleOf(ref), currency: 'EUR', shortDescription: `Short ${ref}`,
    language: 'EN', imageSmall: `img/${ref}-s.png`, mandatory: false, ...extra,
  };
}

const basketOf = (...refs: number[]) => refs.map((productRef) => ({ productRef, quantity: 1 }));

async function crossUpSell(body: unknown, as: TestPartner = partner): Promise<Answer> {
  const res = await connectCall(t.server, as, { method: 'POST', url: '/connect/order/crossupsell', body });
  expect(res.statusCode).toBe(200);
  return res.json();
}

/** What the POS is offered for a basket of one unit of each ref, texts asked in `language`. */
const offersFor = (refs: number[], as: TestPartner = partner, language = 'EN') => crossUpSell({ language, products: basketOf(...refs) }, as);

const accepted = (productsReturn: Entry[]) => ({ productsReturn, responseCode: 0, responseMessage: 'OK' });
const refused = (responseCode: number) => ({ productsReturn: [], responseCode, responseMessage: expect.any(String) });

const partnerWith = (pos: PosSettings) => t.given.partner({ pos });

describe('POST /connect/order/crossupsell: refused calls', () => {
  it('answers 100 when products is missing', async () => {
    expect(await crossUpSell({ language: 'EN' })).toEqual(refused(100));
  });

  it('answers 100 when products is not a list', async () => {
    for (const products of ['820001', 820001, { productRef: 820001, quantity: 1 }, null, true]) {
      expect(await crossUpSell({ language: 'EN', products }), JSON.stringify(products)).toEqual(refused(100));
    }
  });

  it('answers 100 when products is empty', async () => {
    expect(await crossUpSell({ language: 'EN', products: [] })).toEqual(refused(100));
  });

  it('answers 100 for more than 100 products, and answers exactly 100', async () => {
    const [main] = newRefs(1);
    await importCatalog(product(main!));
    const line = { productRef: main, quantity: 1 };
    expect(await crossUpSell({ language: 'EN', products: Array.from({ length: 101 }, () => line) })).toEqual(refused(100));
    expect(await crossUpSell({ language: 'EN', products: Array.from({ length: 100 }, () => line) })).toEqual(accepted([]));
  });

  it('answers 110 when a product has no productRef', async () => {
    for (const productRef of [undefined, null, '', '  ']) {
      const body = await crossUpSell({ language: 'EN', products: [{ productRef, quantity: 1 }] });
      expect(body, JSON.stringify(productRef)).toEqual(refused(110));
    }
  });

  it('answers 110 when a basket entry is not an object', async () => {
    expect(await crossUpSell({ language: 'EN', products: [820001] })).toEqual(refused(110));
  });

  it('answers 111 when a productRef is not a positive integer below 2^31', async () => {
    for (const productRef of [0, -1, 2 ** 31, 'abc', 1.5, '1.5', true]) {
      const body = await crossUpSell({ language: 'EN', products: [{ productRef, quantity: 1 }] });
      expect(body, JSON.stringify(productRef)).toEqual(refused(111));
    }
  });

  it('answers 120 when a product has no quantity', async () => {
    for (const quantity of [undefined, null, '']) {
      const body = await crossUpSell({ language: 'EN', products: [{ productRef: 820001, quantity }] });
      expect(body, JSON.stringify(quantity)).toEqual(refused(120));
    }
  });

  it('answers 121 when a quantity is not an integer from 1 to 100', async () => {
    for (const quantity of [0, 101, 1.5, 'x', -1]) {
      const body = await crossUpSell({ language: 'EN', products: [{ productRef: 820001, quantity }] });
      expect(body, JSON.stringify(quantity)).toEqual(refused(121));
    }
  });

  it('answers 130 when language is absent, empty or blank', async () => {
    const [main] = newRefs(1);
    await importCatalog(product(main!));
    expect(await crossUpSell({ products: basketOf(main!) })).toEqual(refused(130));
    for (const language of ['', '  ', null]) {
      expect(await crossUpSell({ language, products: basketOf(main!) }), JSON.stringify(language)).toEqual(refused(130));
    }
  });

  it('answers 131 when language is not two letters', async () => {
    const [main] = newRefs(1);
    await importCatalog(product(main!));
    for (const language of ['ENG', 'e', 12, 'e1', ['en']]) {
      expect(await crossUpSell({ language, products: basketOf(main!) }), JSON.stringify(language)).toEqual(refused(131));
    }
  });

  it('answers 1010 when a basket product does not exist', async () => {
    const [main] = newRefs(1);
    await importCatalog(product(main!));
    expect(await offersFor([main!, UNKNOWN_REF])).toEqual(refused(1010));
  });

  it('answers 1010 when a basket product is at end of life', async () => {
    const [main, ended] = newRefs(2);
    await importCatalog(product(main!), product(ended!, { status: 'end_of_life' }));
    expect(await offersFor([main!, ended!])).toEqual(refused(1010));
  });

  it('answers 1010 when a basket product has no price in the POS currency', async () => {
    const [main, dollars] = newRefs(2);
    await importCatalog(product(main!), product(dollars!, { prices: [{ currency: 'USD', retailer: 1, public: 9, sale: 5 }] }));
    expect(await offersFor([main!, dollars!])).toEqual(refused(1010));
  });

  it('answers 1010 when a basket product is outside the POS product list', async () => {
    const [listed, unlisted] = newRefs(2);
    await importCatalog(product(listed!), product(unlisted!));
    const narrow = await partnerWith({ refs: [listed!] });
    expect(await offersFor([listed!], narrow)).toEqual(accepted([]));
    expect(await offersFor([listed!, unlisted!], narrow)).toEqual(refused(1010));
  });

  it('answers 1002 with an empty productsReturn when the body is not a JSON object', async () => {
    expect(await crossUpSell([{ productRef: 820001, quantity: 1 }])).toEqual(refused(1002));
  });

  it('reports products before anything else: no products and a bad language answer 100', async () => {
    expect(await crossUpSell({ language: 'ENGLISH' })).toEqual(refused(100));
  });

  it('reports a bad ref before a missing language: 111', async () => {
    expect(await crossUpSell({ products: [{ productRef: 'abc', quantity: 1 }] })).toEqual(refused(111));
  });

  it('reports a ref before the quantity of the same product: 110 over 121', async () => {
    expect(await crossUpSell({ language: 'EN', products: [{ quantity: 0 }] })).toEqual(refused(110));
  });

  it('reports products in basket order: a bad quantity on the first product wins over a bad ref on the second', async () => {
    const body = await crossUpSell({ language: 'EN', products: [{ productRef: 820001, quantity: 0 }, { productRef: -5, quantity: 1 }] });
    expect(body).toEqual(refused(121));
  });

  it('reports a bad quantity before a bad language: 121', async () => {
    expect(await crossUpSell({ language: 'ENG', products: [{ productRef: 820001, quantity: 'x' }] })).toEqual(refused(121));
  });

  it('reports a missing or bad language before an unknown product: 130, 131', async () => {
    expect(await crossUpSell({ products: basketOf(UNKNOWN_REF) })).toEqual(refused(130));
    expect(await crossUpSell({ language: 'e', products: basketOf(UNKNOWN_REF) })).toEqual(refused(131));
  });

  it('checks every field before the products themselves: a bad ref after an unknown product answers 111', async () => {
    expect(await crossUpSell({ language: 'EN', products: [{ productRef: UNKNOWN_REF, quantity: 1 }, { productRef: 0, quantity: 1 }] })).toEqual(refused(111));
  });

  it('accepts productRef and quantity as numeric strings', async () => {
    const [main, cross] = newRefs(2);
    await importCatalog(product(main!, { crossSellRefs: [cross] }), product(cross!));
    const body = await crossUpSell({ language: 'EN', products: [{ productRef: String(main), quantity: '2' }] });
    expect(body).toEqual(accepted([offer(cross!, 'cross')]));
  });

  it('answers 0 with an empty productsReturn when nothing is related to the basket', async () => {
    const [main] = newRefs(1);
    await importCatalog(product(main!));
    expect(await offersFor([main!])).toEqual(accepted([]));
  });
});

describe('POST /connect/order/crossupsell: options', () => {
  it('offers an option that every main product of the basket lists', async () => {
    const [a, b, extension] = newRefs(3);
    await importCatalog(
      product(a!, { optionRefs: [extension] }),
      product(b!, { optionRefs: [extension] }),
      option(extension!, 'download_extension'),
    );
    expect(await offersFor([a!, b!])).toEqual(accepted([offer(extension!, 'option')]));
  });

  it('does not offer an option that one main product of the basket does not list', async () => {
    const [a, b, shared, onlyA] = newRefs(4);
    await importCatalog(
      product(a!, { optionRefs: [shared, onlyA] }),
      product(b!, { optionRefs: [shared] }),
      option(shared!, 'download_extension'),
      option(onlyA!, 'backup_dvd'),
    );
    expect(await offersFor([a!, b!])).toEqual(accepted([offer(shared!, 'option')]));
    expect(await offersFor([a!])).toEqual(accepted([offer(shared!, 'option'), offer(onlyA!, 'option')]));
  });

  it('does not propose an option already in the basket, nor count it as a product that lacks the others', async () => {
    const [main, extension, backup] = newRefs(3);
    await importCatalog(
      product(main!, { optionRefs: [extension, backup] }),
      option(extension!, 'download_extension'),
      option(backup!, 'backup_dvd'),
    );
    expect(await offersFor([main!, extension!])).toEqual(accepted([offer(backup!, 'option')]));
  });

  it('offers no option to a basket of options only', async () => {
    const [main, extension, backup] = newRefs(3);
    await importCatalog(
      product(main!, { optionRefs: [extension, backup] }),
      option(extension!, 'download_extension'),
      option(backup!, 'backup_dvd'),
    );
    expect(await offersFor([extension!])).toEqual(accepted([]));
  });

  it('offers an option only some main products list with the cross-sell type a basket product gives it', async () => {
    const [a, b, backup] = newRefs(3);
    await importCatalog(
      product(a!, { optionRefs: [backup] }),
      product(b!, { crossSellRefs: [backup] }),
      option(backup!, 'backup_dvd'),
    );
    expect(await offersFor([a!, b!])).toEqual(accepted([offer(backup!, 'cross')]));
  });
});

describe('POST /connect/order/crossupsell: must-propose DVD', () => {
  it('offers the download DVD of a must-propose-DVD publisher as mandatory even when another basket product does not list it', async () => {
    const [office, game, dvd] = newRefs(3);
    await importCatalog(
      product(office!, { publisherId: MUST_DVD, optionRefs: [dvd] }),
      product(game!),
      option(dvd!, 'download_dvd', { publisherId: MUST_DVD }),
    );
    expect(await offersFor([office!, game!])).toEqual(accepted([offer(dvd!, 'option', { mandatory: true })]));
  });

  it('offers it mandatory once when several of the publisher products list it', async () => {
    const [office, visio, dvd] = newRefs(3);
    await importCatalog(
      product(office!, { publisherId: MUST_DVD, optionRefs: [dvd] }),
      product(visio!, { publisherId: MUST_DVD, optionRefs: [dvd], crossSellRefs: [dvd] }),
      option(dvd!, 'download_dvd', { publisherId: MUST_DVD }),
    );
    expect(await offersFor([office!, visio!])).toEqual(accepted([offer(dvd!, 'option', { mandatory: true })]));
  });

  it('follows the every-product rule for the backup DVD of a must-propose-DVD publisher', async () => {
    const [office, game, backup] = newRefs(3);
    await importCatalog(
      product(office!, { publisherId: MUST_DVD, optionRefs: [backup] }),
      product(game!),
      option(backup!, 'backup_dvd', { publisherId: MUST_DVD }),
    );
    expect(await offersFor([office!, game!])).toEqual(accepted([]));
    expect(await offersFor([office!])).toEqual(accepted([offer(backup!, 'option')]));
  });

  it('offers the download DVD of a publisher without the flag only when every main product lists it, not mandatory', async () => {
    const [a, b, c, dvd] = newRefs(4);
    await importCatalog(
      product(a!, { optionRefs: [dvd] }),
      product(b!, { optionRefs: [dvd] }),
      product(c!),
      option(dvd!, 'download_dvd'),
    );
    expect(await offersFor([a!, c!])).toEqual(accepted([]));
    expect(await offersFor([a!, b!])).toEqual(accepted([offer(dvd!, 'option')]));
  });
});

describe('POST /connect/order/crossupsell: up-sell and cross-sell', () => {
  it('offers up-sells and cross-sells with their type', async () => {
    const [main, up, cross] = newRefs(3);
    await importCatalog(product(main!, { upSellRefs: [up], crossSellRefs: [cross] }), product(up!), product(cross!));
    expect(await offersFor([main!])).toEqual(accepted([offer(up!, 'up'), offer(cross!, 'cross')]));
  });

  it('never proposes a product already in the basket', async () => {
    const [a, b, cross] = newRefs(3);
    await importCatalog(product(a!, { crossSellRefs: [b, cross] }), product(b!, { upSellRefs: [a] }), product(cross!));
    expect(await offersFor([a!, b!])).toEqual(accepted([offer(cross!, 'cross')]));
  });

  it('never proposes a product outside the POS product list', async () => {
    const [main, listed, unlisted] = newRefs(3);
    await importCatalog(product(main!, { crossSellRefs: [listed, unlisted] }), product(listed!), product(unlisted!));
    const narrow = await partnerWith({ refs: [main!, listed!] });
    expect(await offersFor([main!], narrow)).toEqual(accepted([offer(listed!, 'cross')]));
  });

  it('never proposes a product without a price in the POS currency', async () => {
    const [main, euros, dollars] = newRefs(3);
    await importCatalog(
      product(main!, { upSellRefs: [euros, dollars] }),
      product(euros!),
      product(dollars!, { prices: [{ currency: 'USD', retailer: 1, public: 9, sale: 5 }] }),
    );
    expect(await offersFor([main!])).toEqual(accepted([offer(euros!, 'up')]));
  });

  it('never proposes a product at end of life', async () => {
    const [main, live, ended] = newRefs(3);
    await importCatalog(product(main!, { crossSellRefs: [live, ended] }), product(live!), product(ended!, { status: 'end_of_life' }));
    expect(await offersFor([main!])).toEqual(accepted([offer(live!, 'cross')]));
  });

  it('never proposes a pooled product without a free key', async () => {
    const [main, empty, used] = newRefs(3);
    const pool = { delivery: { serialSource: 'pool', serialsPerUnit: 1 } };
    await importCatalog(product(main!, { crossSellRefs: [empty, used] }), product(empty!, pool), product(used!, pool));
    await givenKeys(t.app, used!, 1);
    await t.app.db.transaction().execute((tx) => t.app.stock.claimKeys(tx, used!, 1));
    expect(await offersFor([main!])).toEqual(accepted([]));
  });

  it('never proposes a pooled product whose free keys are fewer than one unit takes', async () => {
    const [main, pair] = newRefs(2);
    await importCatalog(product(main!, { crossSellRefs: [pair] }), product(pair!, { delivery: { serialSource: 'pool', serialsPerUnit: 2 } }));
    await givenKeys(t.app, pair!, 1);
    expect(await offersFor([main!])).toEqual(accepted([]));
  });

  it('proposes a pooled product that has a free key', async () => {
    const [main, stocked] = newRefs(2);
    await importCatalog(product(main!, { upSellRefs: [stocked] }), product(stocked!, { delivery: { serialSource: 'pool', serialsPerUnit: 1 } }));
    await givenKeys(t.app, stocked!, 1);
    expect(await offersFor([main!])).toEqual(accepted([offer(stocked!, 'up')]));
  });

  it('always proposes products with generated serials or no serial, without any key', async () => {
    const [main, generated, none] = newRefs(3);
    await importCatalog(
      product(main!, { crossSellRefs: [generated, none] }),
      product(generated!, { delivery: { serialSource: 'generated', serialPattern: 'GEN-XXXX-XXXX' } }),
      product(none!, { delivery: { serialSource: 'none' } }),
    );
    expect(await offersFor([main!])).toEqual(accepted([offer(generated!, 'cross'), offer(none!, 'cross')]));
  });

  it('proposes each ref once, as an up-sell when one product up-sells what another cross-sells', async () => {
    const [a, b, both] = newRefs(3);
    await importCatalog(product(a!, { crossSellRefs: [both] }), product(b!, { upSellRefs: [both], crossSellRefs: [both] }), product(both!));
    expect(await offersFor([a!, b!])).toEqual(accepted([offer(both!, 'up')]));
  });

  it('proposes a ref that is both an option and a cross-sell once, as an option', async () => {
    const [main, extension] = newRefs(2);
    await importCatalog(product(main!, { optionRefs: [extension], crossSellRefs: [extension], upSellRefs: [extension] }), option(extension!, 'download_extension'));
    expect(await offersFor([main!])).toEqual(accepted([offer(extension!, 'option')]));
  });

  it('orders options, then up-sells, then cross-sells, each by ref', async () => {
    const [main, cross1, cross2, up1, up2, option1, option2] = newRefs(7);
    await importCatalog(
      product(main!, { optionRefs: [option2, option1], upSellRefs: [up2, up1], crossSellRefs: [cross2, cross1] }),
      product(cross1!), product(cross2!), product(up1!), product(up2!),
      option(option1!, 'download_extension'), option(option2!, 'backup_dvd'),
    );
    expect(await offersFor([main!])).toEqual(accepted([
      offer(option1!, 'option'), offer(option2!, 'option'),
      offer(up1!, 'up'), offer(up2!, 'up'),
      offer(cross1!, 'cross'), offer(cross2!, 'cross'),
    ]));
  });
});

describe('POST /connect/order/crossupsell: prices', () => {
  it('answers the POS sale price of one unit, with the currency decimals, whatever the quantity', async () => {
    const [main, cross] = newRefs(2);
    await importCatalog(
      product(main!, { crossSellRefs: [cross] }),
      product(cross!, { prices: [{ currency: 'EUR', retailer: 30, public: 49.99, sale: 44.99 }] }),
    );
    const body = await crossUpSell({ language: 'EN', products: [{ productRef: main, quantity: 3 }] });
    expect(body).toEqual(accepted([offer(cross!, 'cross', { amountDutyFree: 44.99 })]));
  });

  it('answers the POS price override instead of the product sale price', async () => {
    const [main, cross] = newRefs(2);
    await importCatalog(product(main!, { crossSellRefs: [cross] }), product(cross!, { prices: [{ currency: 'EUR', retailer: 30, public: 49.99, sale: 44.99 }] }));
    const own = await partnerWith({});
    await t.app.db.transaction().execute((tx) => t.app.partners.setPosPrice(tx, own.posId, cross!, 3950, 'test'));
    expect(await offersFor([main!], own)).toEqual(accepted([offer(cross!, 'cross', { amountDutyFree: 39.5 })]));
    // Another POS still sells at the product's own sale price.
    expect(await offersFor([main!])).toEqual(accepted([offer(cross!, 'cross', { amountDutyFree: 44.99 })]));
  });

  it('answers the price and currency of the POS currency', async () => {
    const [main, up] = newRefs(2);
    const prices = [{ currency: 'EUR', retailer: 30, public: 49.99, sale: 44.99 }, { currency: 'USD', retailer: 31.5, public: 54.99, sale: 49.99 }];
    await importCatalog(product(main!, { upSellRefs: [up], prices }), product(up!, { prices }));
    const dollars = await partnerWith({ currency: 'USD', countries: ['US'], languages: ['en'] });
    expect(await offersFor([main!], dollars)).toEqual(accepted([offer(up!, 'up', { amountDutyFree: 49.99, currency: 'USD' })]));
  });

  it('answers amounts with the decimals of currencies that have none or three', async () => {
    const [main, up] = newRefs(2);
    const prices = [{ currency: 'JPY', retailer: 4000, public: 7000, sale: 6500 }, { currency: 'KWD', retailer: 10, public: 15, sale: 12.345 }];
    await importCatalog(product(main!, { upSellRefs: [up], prices }), product(up!, { prices }));
    const yen = await partnerWith({ currency: 'JPY', countries: ['JP'], languages: ['en'] });
    const dinars = await partnerWith({ currency: 'KWD', countries: ['KW'], languages: ['en'] });
    expect(await offersFor([main!], yen)).toEqual(accepted([offer(up!, 'up', { amountDutyFree: 6500, currency: 'JPY' })]));
    expect(await offersFor([main!], dinars)).toEqual(accepted([offer(up!, 'up', { amountDutyFree: 12.345, currency: 'KWD' })]));
  });
});

describe('POST /connect/order/crossupsell: language', () => {
  /** A main product cross-selling one whose texts are in `languages`. */
  async function crossSoldIn(languages: string[]): Promise<{ main: number; cross: number }> {
    const [main, cross] = newRefs(2);
    const texts = (label: string) => Object.fromEntries(languages.map((l) => [l, `${label} ${cross} (${l})`]));
    await importCatalog(product(main!, { crossSellRefs: [cross] }), product(cross!, { names: texts('Name'), shortDescriptions: texts('Short') }));
    return { main: main!, cross: cross! };
  }

  const inLanguage = (ref: number, textLanguage: string, answered: string) =>
    offer(ref, 'cross', { name: `Name ${ref} (${textLanguage})`, shortDescription: `Short ${ref} (${textLanguage})`, language: answered });

  it('answers texts in the requested language when the product has them', async () => {
    const { main, cross } = await crossSoldIn(['de', 'en', 'fr']);
    expect(await offersFor([main], partner, 'fr')).toEqual(accepted([inLanguage(cross, 'fr', 'fr')]));
    expect(await offersFor([main], partner, 'DE')).toEqual(accepted([inLanguage(cross, 'de', 'DE')]));
  });

  it('falls back to the POS master language when the product has no text in the requested one', async () => {
    const { main, cross } = await crossSoldIn(['de', 'en', 'fr']);
    const german = await partnerWith({ countries: ['DE'], languages: ['de', 'fr'] });
    expect(await offersFor([main], german, 'it')).toEqual(accepted([inLanguage(cross, 'de', 'de')]));
    expect(await offersFor([main], german, 'IT')).toEqual(accepted([inLanguage(cross, 'de', 'DE')]));
  });

  it('falls back to English when the product has texts in neither the requested nor the POS master language', async () => {
    const { main, cross } = await crossSoldIn(['en', 'fr']);
    const german = await partnerWith({ countries: ['DE'], languages: ['de', 'fr'] });
    expect(await offersFor([main], german, 'it')).toEqual(accepted([inLanguage(cross, 'en', 'en')]));
  });

  it('takes the name from the next language when the requested one has only a description, as a 2.4 feed stores it', async () => {
    const [main, cross] = newRefs(2);
    await importCatalog(
      product(main!, { crossSellRefs: [cross] }),
      product(cross!, { names: { en: `Name ${cross}` }, shortDescriptions: { en: `Short ${cross} (en)`, fr: `Short ${cross} (fr)` } }),
    );
    expect(await offersFor([main!], partner, 'fr')).toEqual(accepted([offer(cross!, 'cross', { shortDescription: `Short ${cross} (fr)`, language: 'fr' })]));
  });

  it('does not count a language holding only a long description as having texts', async () => {
    const [main, cross] = newRefs(2);
    await importCatalog(product(main!, { crossSellRefs: [cross] }), product(cross!, { longDescriptions: { de: '<p>Lang</p>' } }));
    expect(await offersFor([main!], partner, 'DE')).toEqual(accepted([offer(cross!, 'cross', { language: 'EN' })]));
  });

  it('answers the language in the case it was sent: EN gives EN, fr gives fr', async () => {
    const { main, cross } = await crossSoldIn(['en', 'fr']);
    expect(await offersFor([main], partner, 'EN')).toEqual(accepted([inLanguage(cross, 'en', 'EN')]));
    expect(await offersFor([main], partner, 'en')).toEqual(accepted([inLanguage(cross, 'en', 'en')]));
    expect(await offersFor([main], partner, 'fr')).toEqual(accepted([inLanguage(cross, 'fr', 'fr')]));
    expect(await offersFor([main], partner, 'FR')).toEqual(accepted([inLanguage(cross, 'fr', 'FR')]));
    expect(await offersFor([main], partner, 'Fr')).toEqual(accepted([inLanguage(cross, 'fr', 'Fr')]));
  });
});
