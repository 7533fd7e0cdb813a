import type { Tx } from '../../db/schema.js';
import { Refusal } from '../../shared/errors.js';
import type { CatalogReader, SellableProduct } from '../catalog/index.js';
import type { PointOfSale } from '../partners/index.js';
import { canServeOneUnit } from '../stock/index.js';
import { offerTexts, proposeOffers, relatedRefs, type Offer, type OfferTexts } from './offer.js';

export type OfferRequest = { language: string; productRefs: number[] };

export type ProposedOffer = Offer & { texts: OfferTexts };

/**
 * getCrossUpSell: the options, up-sells and cross-sells this POS can propose for a basket, with texts
 * in `language` (else the POS master language, else English). Throws Refusal(1010) when a basket
 * product does not exist for the POS.
 */
export async function proposeForBasket(catalog: CatalogReader, tx: Tx, pos: PointOfSale, request: OfferRequest): Promise<ProposedOffer[]> {
  const basketProducts = await catalog.findSellable(tx, pos, request.productRefs);
  const basket: SellableProduct[] = [];
  for (const ref of request.productRefs) {
    const product = basketProducts.get(ref);
    if (!product) throw new Refusal(1010);
    if (!basket.includes(product)) basket.push(product);
  }
  const candidates = await catalog.findSellable(tx, pos, relatedRefs(basket));
  const servable = await canServeOneUnit(tx, [...candidates.values()]);
  const inStock = (p: SellableProduct) => servable.has(p.ref);
  const languages = [request.language, pos.languages[0] ?? 'en'];
  return proposeOffers(basket, candidates, inStock).map((offer) => ({ ...offer, texts: offerTexts(offer.product, languages) }));
}
