export { proposeOffers, relatedRefs, type Offer, type OfferType } from './offer.js';
export { proposeForBasket, type OfferRequest, type ProposedOffer } from './offers.service.js';
