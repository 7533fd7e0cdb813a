import ipaddr from 'ipaddr.js';
import type { CustomerInput, DiscountInput, OrderLineInput, PaymentInput, PlaceOrderInput } from '../../domains/orders/index.js';
import { Refusal } from '../../shared/errors.js';
import { MAX_ID } from '../../shared/ids.js';
import { currencyDigits } from '../../shared/money.js';
import {
  asList,
  asRecord,
  isAbsent,
  optionalField,
  readAmount,
  readDateTime,
  readId,
  readInteger,
  readNumber,
  readText,
  requireField,
  type Read,
} from './fields.js';
import { readLocation } from './order-request.location.js';

/*
 * The format check of a createOrder body (connect-api.md §2, §6, §10). Fields are read in the order of
 * the §6 table and the first failing one is refused with its code; reference checks (POS currency,
 * products, languages, countries, provinces, VAT) and stock come later, in the domain.
 *
 * Choices where the contract leaves one (also in the report of this change):
 * - Every text field is trimmed, is on one line (a metadata value may span lines), holds no control
 *   character, and counts its length in characters (code points). A JSON number that is a safe
 *   integer is read as its digits (`"partnerOrderNumber": 12345` is "12345", `"zipCode": 75002` is
 *   "75002"); a fraction, a boolean, an object or an array is the field's invalid code.
 * - Numbers: JSON numbers or plain decimal strings (`"2"`, `"19.99"`; no exponent, no comma).
 * - `{}` and `[]` are interchangeable where a list or an object is expected (PHP's json_encode writes
 *   an empty map as `[]`): an empty `payment`, location, `discounts` or `metadata` counts as absent.
 */

/** createOrder takes 1 to 50 lines (connect-api.md §6). */
export const MAX_ORDER_LINES = 50;
/**
 * At most 20 metadata entries (§6). More is refused with 751, the only metadata code of the catalogue
 * ("metadata key missing"), rather than dropping the partner's data silently.
 */
export const MAX_METADATA = 20;
/** Not in the contract: bounds the rows one request can create. More is 600 (discounts invalid). */
export const MAX_DISCOUNTS = 50;

/** Longest accepted text per field, in characters: the contract's where it gives one, else ours. */
export const ORDER_LIMITS = {
  partnerOrderNumber: 64,
  marketingProgramId: 64,
  /** RFC 5321: a path is at most 256 octets including the angle brackets. */
  email: 254,
  partnerId: 64,
  paymentMethod: 64,
  transactionId: 128,
  discountForeignRef: 64,
  discountLabel: 255,
  metadataKey: 64,
  metadataValue: 1000,
} as const;

/**
 * An address as a shop collects it: the HTML form rule for `type=email` (ASCII local part, dotted host
 * names of letters, digits and hyphens), plus a top-level domain and a local part of at most 64
 * characters. Internationalised addresses (non-ASCII) are refused with the field's invalid code.
 */
const EMAIL = /^(?=[^@]{1,64}@)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/**
 * `ll_CC`, any case (`fr_FR`, `en_XE`, `FR_fr`). `fr-FR` is refused with 331: the contract names
 * `ll_CC` and makes "not ll_CC" the 331 condition (§10), and a Nexway client already sends underscores.
 */
const LOCALE = /^[A-Za-z]{2}_[A-Za-z]{2}$/;

type Options = { needsDelivery: (productRef: number) => boolean };

/**
 * Reads a createOrder body into a PlaceOrderInput, checking the format of every field in the order of
 * connect-api.md §6; throws Refusal with the first failing field's code (one code only), never another
 * error. `needsDelivery(ref)` says whether a line's product ships a disc (locationDelivery then required: 410).
 */
export function readOrderRequest(body: Record<string, unknown>, options: Options): PlaceOrderInput {
  const partnerOrderNumber = requireField(readText(body.partnerOrderNumber, ORDER_LIMITS.partnerOrderNumber), 130, 131);
  const orderDate = requireField(readDateTime(body.orderDate), 140, 141);
  // 121 when not three letters; ISO 4217 and the POS currency are the domain's check (1021).
  const currency = requireField(readText(body.currency, 3, /^[A-Za-z]{3}$/), 120, 121).toUpperCase();
  // The table gives marketingProgramId no code: a value that is not text of at most 64 characters is
  // ignored (null) rather than refused with another field's code.
  const marketingProgram = readText(body.marketingProgramId, ORDER_LIMITS.marketingProgramId);
  const marketingProgramId = marketingProgram.kind === 'ok' ? marketingProgram.value : null;
  // An int32 id in the partner's affiliate system; negative ones are refused.
  const affiliateId = optionalField(readInteger(body.affiliateId, 0, MAX_ID), 1045);
  // Amounts follow the minor unit of the currency sent when it is an ISO 4217 code; an unknown code is
  // refused later (1021), so its amounts are read with 2 decimals meanwhile.
  const digits = currencyDigits(currency) ?? 2;
  const lines = readLines(body.orderLines, digits);
  const customer = readCustomer(body.customer, lines, isPaymentGiven(body.payment), options);
  const payment = readPayment(body.payment);
  const discounts = readDiscounts(body.discounts, digits);
  const metadata = readMetadata(body.metadata);
  return { partnerOrderNumber, orderDate, currency, marketingProgramId, affiliateId, lines, customer, payment, discounts, metadata };
}

function readLines(value: unknown, digits: number): OrderLineInput[] {
  const lines = asList(value);
  if (!lines || lines.length === 0 || lines.length > MAX_ORDER_LINES) throw new Refusal(200);
  return lines.map((line) => readLine(line, digits));
}

/** One order line; a line that is not an object has no productRef (210). */
function readLine(value: unknown, digits: number): OrderLineInput {
  const line = asRecord(value) ?? {};
  return {
    productRef: requireField(readId(line.productRef), 210, 211),
    quantity: requireField(readInteger(line.quantity, 1, 100), 220, 221),
    vatRate: optionalField(readNumber(line.vatRate, 0, 100), 231),
    amountDutyFree: optionalField(readAmount(line.amountDutyFree, digits), 241),
    amountTotal: optionalField(readAmount(line.amountTotal, digits), 251),
    endUserEmail: optionalField(readEmail(line.endUserEmail), 321),
    discounts: readDiscounts(line.discounts, digits),
  };
}

const DISCOUNT_FIELDS = ['foreignRef', 'label', 'priceDelta', 'operation', 'operationValue'];

/**
 * A `discounts` list (of a line or of the order): 600 when it is not a list, holds something other
 * than an object, or has more than MAX_DISCOUNTS discounts. Empty entries (`{}`, null, or no discount
 * field given) are ignored (§2).
 */
function readDiscounts(value: unknown, digits: number): DiscountInput[] {
  if (isAbsent(value)) return [];
  const list = asList(value);
  if (!list) throw new Refusal(600);
  const discounts = list.flatMap((entry) => {
    const discount = readDiscount(entry, digits);
    return discount ? [discount] : [];
  });
  if (discounts.length > MAX_DISCOUNTS) throw new Refusal(600);
  return discounts;
}

/**
 * One discount. Every field is required once the discount is given at all: the catalogue has a
 * "missing" code for each (610, 620, 630, 640, 650). `priceDelta` is the money the discount moved the
 * price by, signed (a reduction is usually negative), within the money rules of the currency.
 * `operationValue` is a percentage 0..100 for PERCENT, an amount (money rules) for AMOUNT.
 */
function readDiscount(value: unknown, digits: number): DiscountInput | null {
  if (isAbsent(value)) return null;
  const sent = asRecord(value);
  if (!sent) throw new Refusal(600);
  if (DISCOUNT_FIELDS.every((field) => isAbsent(sent[field]))) return null;
  const foreignRef = requireField(readText(sent.foreignRef, ORDER_LIMITS.discountForeignRef), 610, 611);
  const label = requireField(readText(sent.label, ORDER_LIMITS.discountLabel), 620, 621);
  const priceDelta = requireField(readAmount(sent.priceDelta, digits, true), 630, 631);
  const operation = requireField(readText(sent.operation, 7, /^(?:percent|amount)$/i), 640, 641).toUpperCase() as DiscountInput['operation'];
  const operationValue = requireField(operation === 'PERCENT' ? readNumber(sent.operationValue, 0, 100) : readAmount(sent.operationValue, digits), 650, 651);
  return { foreignRef, label, priceDelta, operation, operationValue };
}

/**
 * Whether `payment` counts as present for 1046: anything but absent, `{}`/`[]`, or an object whose
 * paymentMethod and transactionId are both absent. A non-object payment counts as present (and is
 * refused with 711 at its own turn).
 */
function isPaymentGiven(value: unknown): boolean {
  if (isAbsent(value)) return false;
  const sent = asRecord(value);
  return sent === undefined || !isAbsent(sent.paymentMethod) || !isAbsent(sent.transactionId);
}

/**
 * The customer in table order: email 320/321 → language 330/331 → partnerId 311 → ipV4 341 → ipV6 343
 * → 1046 → locationInvoice (420, then its fields) → locationDelivery (its fields, then 410).
 */
function readCustomer(value: unknown, lines: OrderLineInput[], paymentGiven: boolean, options: Options): CustomerInput {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Refusal(300);
  const sent = value as Record<string, unknown>;
  const email = requireField(readEmail(sent.email), 320, 321);
  const [languagePart = '', countryPart = ''] = requireField(readText(sent.language, 5, LOCALE), 330, 331).split('_');
  // Lower-case language, upper-case country: whether the POS speaks it is the domain's check (1022).
  const language = { language: languagePart.toLowerCase(), country: countryPart.toUpperCase() };
  const partnerId = optionalField(readText(sent.partnerId, ORDER_LIMITS.partnerId), 311);
  const ipV4 = optionalField(readIp(sent.ipV4, 'ipv4'), 341);
  const ipV6 = optionalField(readIp(sent.ipV6, 'ipv6'), 343);
  if (ipV4 === null && ipV6 === null && paymentGiven) throw new Refusal(1046);
  const locationInvoice = readLocation(sent.locationInvoice, 420);
  if (!locationInvoice) throw new Refusal(420);
  const locationDelivery = readLocation(sent.locationDelivery, 410);
  if (!locationDelivery && lines.some((line) => options.needsDelivery(line.productRef))) throw new Refusal(410);
  return { email, language, partnerId, ipV4, ipV6, locationInvoice, locationDelivery };
}

function readEmail(value: unknown): Read<string> {
  return readText(value, ORDER_LIMITS.email, EMAIL);
}

/**
 * An address of the given family, kept as sent (trimmed). IPv4: four decimal parts without leading
 * zeros. IPv6: any RFC 4291 text form (`::ffff:1.2.3.4` included) without a zone (`%eth0`); an IPv4
 * address in ipV6 is refused (343).
 */
function readIp(value: unknown, family: 'ipv4' | 'ipv6'): Read<string> {
  const read = readText(value, 45);
  if (read.kind !== 'ok') return read;
  const valid = family === 'ipv4' ? ipaddr.IPv4.isValidFourPartDecimal(read.value) : !read.value.includes('%') && ipaddr.IPv6.isValid(read.value);
  return valid ? read : { kind: 'invalid' };
}

/**
 * `payment`, or null when absent (see isPaymentGiven). Both fields are optional. `paymentMethod` is
 * any text of at most 64 characters: Nexway documents "External Payment" but partners send their own
 * method names, and nothing depends on the value. A non-object payment is refused with 711.
 */
function readPayment(value: unknown): PaymentInput | null {
  if (isAbsent(value)) return null;
  const sent = asRecord(value);
  if (!sent) throw new Refusal(711);
  const paymentMethod = optionalField(readText(sent.paymentMethod, ORDER_LIMITS.paymentMethod), 711);
  const transactionId = optionalField(readText(sent.transactionId, ORDER_LIMITS.transactionId), 721);
  return paymentMethod === null && transactionId === null ? null : { paymentMethod, transactionId };
}

/**
 * `metadata`: up to MAX_METADATA `{key, value}` entries. 751 is the catalogue's only metadata code, so
 * it answers every metadata problem: not a list, an entry that is not an object, a value without a
 * key, a key over 64 characters, a value that is an object/array or over 1000 characters (it may
 * span lines), more than 20 entries. An entry with neither key nor value is ignored, like `{}` in discounts. A number or
 * boolean value is kept as its JSON text.
 */
function readMetadata(value: unknown): PlaceOrderInput['metadata'] {
  if (isAbsent(value)) return [];
  const list = asList(value);
  if (!list) throw new Refusal(751);
  const metadata = list.flatMap((entry) => {
    if (isAbsent(entry)) return [];
    const sent = asRecord(entry);
    if (!sent) throw new Refusal(751);
    const raw = typeof sent.value === 'number' || typeof sent.value === 'boolean' ? String(sent.value) : sent.value;
    if (isAbsent(sent.key) && isAbsent(raw)) return [];
    const key = requireField(readText(sent.key, ORDER_LIMITS.metadataKey), 751, 751);
    return [{ key, value: optionalField(readText(raw, ORDER_LIMITS.metadataValue, undefined, true), 751) }];
  });
  if (metadata.length > MAX_METADATA) throw new Refusal(751);
  return metadata;
}
