export * from './partner.js';
export { partnersService, type PartnersService, type CreatedPartner } from './partners.service.js';
export { tokensService, TokenRefusal, ACCESS_TOKEN_SECONDS, REFRESH_TOKEN_SECONDS, type TokensService, type TokenGrant, type TokenRequest, type AccessClaims, type Caller } from './tokens.service.js';
export { findPartner, findPointOfSale, listPointsOfSale } from './partners.repository.js';
