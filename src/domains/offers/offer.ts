import type { Product, SellableProduct } from '../catalog/index.js';

export type OfferType = 'option' | 'up' | 'cross';

export type Offer = { product: SellableProduct; type: OfferType; mandatory: boolean };

const TYPE_ORDER: Record<OfferType, number> = { option: 0, up: 1, cross: 2 };

/** Every ref a basket could be offered, to be read before proposeOffers decides. */
export function relatedRefs(basket: readonly SellableProduct[]): number[] {
  return [...new Set(basket.flatMap((p) => [...p.optionRefs, ...p.upSellRefs, ...p.crossSellRefs]))];
}

/**
 * What getCrossUpSell proposes (connect-api.md §5, §10): options listed by every non-option basket
 * product; the download DVD of a "must propose DVD" publisher listed by any of its basket products,
 * as mandatory; then up-sells, then cross-sells. A ref appears once, as its first type in that order;
 * basket products, products the POS does not sell (absent from `sellable`) and products out of stock
 * are never proposed. Sorted by type, then ref.
 */
export function proposeOffers(
  basket: readonly SellableProduct[],
  sellable: ReadonlyMap<number, SellableProduct>,
  inStock: (product: SellableProduct) => boolean,
): Offer[] {
  const mains = basket.filter((p) => p.option === null);
  const chosen = new Map<number, { type: OfferType; mandatory: boolean }>();
  const shared = mains.length === 0 ? [] : mains[0]!.optionRefs.filter((ref) => mains.every((p) => p.optionRefs.includes(ref)));
  for (const ref of shared) chosen.set(ref, { type: 'option', mandatory: false });
  for (const main of mains.filter((p) => p.publisher.mustProposeDvd)) {
    for (const ref of main.optionRefs) {
      if (sellable.get(ref)?.option?.kind === 'download_dvd') chosen.set(ref, { type: 'option', mandatory: true });
    }
  }
  for (const product of basket) {
    for (const ref of product.upSellRefs) if (!chosen.has(ref)) chosen.set(ref, { type: 'up', mandatory: false });
  }
  for (const product of basket) {
    for (const ref of product.crossSellRefs) if (!chosen.has(ref)) chosen.set(ref, { type: 'cross', mandatory: false });
  }
  const inBasket = new Set(basket.map((p) => p.ref));
  const offers: Offer[] = [];
  for (const [ref, choice] of chosen) {
    const product = sellable.get(ref);
    if (product && !inBasket.has(ref) && inStock(product)) offers.push({ product, ...choice });
  }
  return offers.sort((a, b) => TYPE_ORDER[a.type] - TYPE_ORDER[b.type] || a.product.ref - b.product.ref);
}

/** The texts of an offer and the language they are in (lower case). */
export type OfferTexts = { name: string | null; shortDescription: string | null; language: string };

/**
 * The name and short description of an offer, each in the first of `languages`, then English, then
 * any language, that has it; `language` is the first of those holding either. A language holding
 * only some texts does not hide the others: a Nexway 2.4 feed stores the name in the master language
 * only and the descriptions per language.
 */
export function offerTexts(product: Product, languages: readonly string[]): OfferTexts {
  const chain = [...new Set([...languages, 'en', ...Object.keys(product.texts).sort()])];
  const first = (text: (language: string) => string | null | undefined) => chain.map(text).find((value) => value != null) ?? null;
  return {
    name: first((l) => product.texts[l]?.name),
    shortDescription: first((l) => product.texts[l]?.shortDescription),
    language: chain.find((l) => product.texts[l]?.name != null || product.texts[l]?.shortDescription != null) ?? 'en',
  };
}
