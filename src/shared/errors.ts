/**
 * The one error catalogue of the partner API. Nexway reuses numbers (1010 is "already created" for
 * createOrder and "not found" elsewhere), so entries are keyed by operation and code. The kind decides
 * the HTTP status, in http/error-handler.ts only. docs/errors.md is generated from this table.
 */

export type ErrorKind = 'refusal' | 'bad_request' | 'unauthenticated' | 'forbidden' | 'not_found' | 'rate_limited' | 'too_large' | 'internal';

export type Operation =
  | 'getCategories'
  | 'getOsList'
  | 'getStatus'
  | 'getStockStatus'
  | 'getCrossUpSell'
  | 'createOrder'
  | 'getOrderData'
  | 'cancelOrder'
  | 'updateDownloadTime'
  | 'getDownloadInfo'
  | 'getSubscriptionStatus'
  | 'cancelSubscription'
  | 'renewSubscription';

export type CatalogueEntry = { kind: ErrorKind; message: string };

const refusal = (message: string): CatalogueEntry => ({ kind: 'refusal', message });

/** Codes every Connect route can answer, always as exactly `{responseCode, responseMessage}`. */
export const COMMON_ERRORS: Readonly<Record<number, CatalogueEntry>> = {
  70: { kind: 'unauthenticated', message: 'secret is missing' },
  71: { kind: 'unauthenticated', message: 'secret not valid' },
  72: { kind: 'forbidden', message: 'IP address not allowed' },
  73: { kind: 'rate_limited', message: 'too many requests' },
  1000: { kind: 'internal', message: 'internal error' },
  1001: { kind: 'too_large', message: 'request too large' },
  1002: refusal('malformed request'),
};

const subscriptionLookup = {
  100: refusal('partnerOrderNumber missing'),
  110: refusal('subscriptionId missing'),
  111: refusal('subscriptionId invalid'),
  1010: refusal('subscription not found'),
};

/** Business outcomes per operation, answered with the operation's success status (200, createOrder 201). */
export const OPERATION_ERRORS: Readonly<Record<Operation, Readonly<Record<number, CatalogueEntry>>>> = {
  getStatus: {},
  getCategories: {},
  getOsList: {},
  getStockStatus: {
    100: refusal('productRefs missing'),
    101: refusal('too many productRefs (1 to 100)'),
  },
  getCrossUpSell: {
    100: refusal('products missing'),
    110: refusal('product ref missing'),
    111: refusal('product ref invalid'),
    120: refusal('quantity missing'),
    121: refusal('quantity invalid'),
    130: refusal('language missing'),
    131: refusal('language invalid'),
    1010: refusal('productRef not found'),
  },
  createOrder: {
    120: refusal('currency missing'),
    121: refusal('currency invalid'),
    130: refusal('partnerOrderNumber missing'),
    131: refusal('partnerOrderNumber invalid'),
    140: refusal('orderDate missing'),
    141: refusal('orderDate invalid'),
    200: refusal('orderLines missing'),
    210: refusal('productRef missing'),
    211: refusal('productRef invalid'),
    220: refusal('quantity missing'),
    221: refusal('quantity invalid'),
    231: refusal('vatRate invalid'),
    241: refusal('amountDutyFree invalid'),
    251: refusal('amountTotal invalid'),
    300: refusal('customer missing'),
    311: refusal('customer partnerId invalid'),
    320: refusal('customer email missing'),
    321: refusal('email invalid'),
    330: refusal('customer language missing'),
    331: refusal('customer language invalid'),
    341: refusal('ipV4 invalid'),
    343: refusal('ipV6 invalid'),
    410: refusal('locationDelivery missing'),
    420: refusal('locationInvoice missing'),
    431: refusal('title invalid'),
    440: refusal('lastName missing'),
    441: refusal('lastName invalid'),
    450: refusal('firstName missing'),
    451: refusal('firstName invalid'),
    460: refusal('address1 missing'),
    461: refusal('address1 invalid'),
    481: refusal('zipCode invalid'),
    490: refusal('city missing'),
    491: refusal('city invalid'),
    500: refusal('country missing'),
    501: refusal('country invalid'),
    531: refusal('address2 invalid'),
    541: refusal('companyName invalid'),
    600: refusal('discounts invalid'),
    610: refusal('discount foreignRef missing'),
    611: refusal('discount foreignRef invalid'),
    620: refusal('discount label missing'),
    621: refusal('discount label invalid'),
    630: refusal('discount priceDelta missing'),
    631: refusal('discount priceDelta invalid'),
    640: refusal('discount operation missing'),
    641: refusal('discount operation invalid'),
    650: refusal('discount operationValue missing'),
    651: refusal('discount operationValue invalid'),
    711: refusal('paymentMethod invalid'),
    721: refusal('transactionId invalid'),
    751: refusal('metadata key missing'),
    1010: refusal('order already created'),
    1020: refusal('product not sold by this point of sale'),
    1021: refusal('currency unknown or not the point of sale currency'),
    1022: refusal('language not supported'),
    1023: refusal('country unknown'),
    1042: refusal('product not compatible with the cart'),
    1044: refusal('out of stock'),
    1045: refusal('affiliateId invalid'),
    1046: refusal('customer ipV4 or ipV6 required with payment'),
    1048: refusal('province required for this country'),
    1049: refusal('province malformed'),
    1050: refusal('province not a subdivision of the country'),
    1051: refusal('licences currently not available'),
  },
  getOrderData: {
    1010: refusal('order not found'),
  },
  cancelOrder: {
    100: refusal('reasonCode missing'),
    101: refusal('reasonCode invalid'),
    110: refusal('partnerOrderNumber missing'),
    1010: refusal('order not found'),
    1011: refusal('order already cancelled'),
    1020: refusal('cancel period expired'),
    1030: refusal('unauthorized cancel'),
  },
  updateDownloadTime: {
    100: refusal('partnerOrderNumber missing'),
    110: refusal('value missing'),
    111: refusal('value invalid'),
    1010: refusal('order not found'),
    1011: refusal('order cancelled'),
  },
  getDownloadInfo: {
    1010: refusal('order not found'),
  },
  getSubscriptionStatus: subscriptionLookup,
  cancelSubscription: {
    ...subscriptionLookup,
    1011: refusal('subscription already cancelled, expired or terminated'),
  },
  renewSubscription: {
    ...subscriptionLookup,
    1011: refusal('subscription cancelled, expired or terminated'),
    1013: refusal('renewal too early or term already renewed'),
    1044: refusal('out of stock'),
  },
};

/**
 * Codes of one entry inside an answer (a productStatus entry of getStockStatus), beside the root code;
 * 0 is "OK" there too.
 */
export const ITEM_ERRORS: Readonly<Partial<Record<Operation, Readonly<Record<number, CatalogueEntry>>>>> = {
  getStockStatus: {
    101: refusal('productRef invalid'),
    1010: refusal('product reference does not exist'),
  },
};

/** The message of an entry-level code (0 → "OK"). */
export function itemMessage(operation: Operation, code: number): string {
  return code === 0 ? 'OK' : ITEM_ERRORS[operation]?.[code]?.message ?? 'refused';
}

/** The catalogue entry for a code answered by an operation, or undefined when it cannot answer it. */
export function findCatalogueEntry(operation: Operation, code: number): CatalogueEntry | undefined {
  return COMMON_ERRORS[code] ?? OPERATION_ERRORS[operation][code];
}

/**
 * A business refusal with its catalogue code. Domain code throws it (or a named subclass); the HTTP
 * layer answers it with the operation's success status and shape. `details` carries what the answer
 * echoes (e.g. the existing orderNumber of a 1010 on createOrder).
 */
export class Refusal extends Error {
  constructor(
    readonly code: number,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(`refused with ${code}`);
    this.name = 'Refusal';
  }
}

/** A refusal of the common set (70–73, 1001): answered with its own status and the bare two-key body. */
export class AccessRefusal extends Error {
  constructor(
    readonly code: 70 | 71 | 72 | 73 | 1001,
    readonly retryAfterSeconds?: number,
  ) {
    super(`access refused with ${code}`);
    this.name = 'AccessRefusal';
  }
}

/** The JWT check failed: answered with the token service's 401 body, not a responseCode. */
export class InvalidToken extends Error {
  constructor() {
    super('JWT token is not valid');
    this.name = 'InvalidToken';
  }
}

/**
 * Refusals of the feed URL (feeds.md §Fetching a feed), answered as one line of plain text: a feed
 * client is often a shell script or a shop's import job, not a JSON client.
 */
export const FEED_ERRORS = {
  parameter_missing: { kind: 'bad_request', message: 'a parameter is missing' },
  parameter_invalid: { kind: 'bad_request', message: 'a parameter is not valid' },
  secret_invalid: { kind: 'unauthenticated', message: 'secret not valid' },
  suspended: { kind: 'forbidden', message: 'the point of sale or its partner is suspended' },
  ip_not_allowed: { kind: 'forbidden', message: 'IP address not allowed' },
  not_found: { kind: 'not_found', message: 'no such product list or feed format for this secret' },
} as const satisfies Record<string, CatalogueEntry>;

export type FeedRefusalReason = keyof typeof FEED_ERRORS;

/** A feed URL refused: the reason picks the status; `detail` names the parameter or id concerned. */
export class FeedRefusal extends Error {
  constructor(
    readonly reason: FeedRefusalReason,
    readonly detail?: string,
  ) {
    super(detail ? `${FEED_ERRORS[reason].message}: ${detail}` : FEED_ERRORS[reason].message);
    this.name = 'FeedRefusal';
  }
}

/** A refusal outside the partner API (CLI, back office, imports): a clear one-line reason for a person. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** Something looked up by a person (CLI, back office) does not exist. */
export class NotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFound';
  }
}
