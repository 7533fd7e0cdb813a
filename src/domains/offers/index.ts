export { offerTexts, proposeOffers, relatedRefs, type Offer, type OfferTexts, type OfferType } from './offer.js';
export { proposeForBasket, type OfferRequest, type ProposedOffer } from './offers.service.js';
