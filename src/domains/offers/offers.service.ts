import type { Tx } from '../../db/schema.js';
import { Refusal } from '../../shared/errors.js';
import { findSellable, hasUnlimitedStock, textsIn, type SellableProduct } from '../catalog/index.js';
import type { PointOfSale } from '../partners/index.js';
import { availableUnits } from '../stock/index.js';
import { proposeOffers, relatedRefs, type Offer } from './offer.js';

export type OfferRequest = { language: string; productRefs: number[] };

export type ProposedOffer = Offer & { texts: ReturnType<typeof textsIn> };

/**
 * getCrossUpSell: the options, up-sells and cross-sells this POS can propose for a basket, with texts
 * in `language` (else the POS master language, else English). Throws Refusal(1010) when a basket
 * product does not exist for the POS.
 */
export async function proposeForBasket(tx: Tx, pos: PointOfSale, request: OfferRequest): Promise<ProposedOffer[]> {
  const basketProducts = await findSellable(tx, pos, request.productRefs);
  const basket: SellableProduct[] = [];
  for (const ref of request.productRefs) {
    const product = basketProducts.get(ref);
    if (!product) throw new Refusal(1010);
    if (!basket.includes(product)) basket.push(product);
  }
  const candidates = await findSellable(tx, pos, relatedRefs(basket));
  const pooled = [...candidates.values()].filter((p) => !hasUnlimitedStock(p)).map((p) => p.ref);
  const units = await availableUnits(tx, pooled);
  const inStock = (p: SellableProduct) => hasUnlimitedStock(p) || (units.get(p.ref) ?? 0) > 0;
  const languages = [request.language, pos.languages[0] ?? 'en'];
  return proposeOffers(basket, candidates, inStock).map((offer) => ({ ...offer, texts: textsIn(offer.product, languages) }));
}
