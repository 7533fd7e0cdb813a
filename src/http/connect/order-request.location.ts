import type { LocationInput } from '../../domains/orders/index.js';
import { Refusal } from '../../shared/errors.js';
import { MAX_ID } from '../../shared/ids.js';
import { asRecord, isAbsent, optionalField, readInteger, readText, requireField } from './fields.js';

/**
 * Longest accepted value of each Location text field, in characters. Nexway publishes no limits; these
 * hold any real address (postal standards stop well below them) while keeping rows bounded. Over the
 * limit is the field's invalid code.
 */
export const LOCATION_LIMITS = {
  lastName: 100,
  firstName: 100,
  companyName: 255,
  address1: 255,
  address2: 255,
  /** Longest postal codes in use are 10 characters (US ZIP+4); 20 leaves room for spacing. */
  zipCode: 20,
  city: 100,
  /** phone and fax have no code: a longer or non-text value is dropped (null), never refused. */
  phone: 64,
  fax: 64,
} as const;

/** The fields a Location is made of; a Location where none of them is given counts as absent. */
const LOCATION_FIELDS = ['title', 'lastName', 'firstName', 'companyName', 'address1', 'address2', 'zipCode', 'city', 'country', 'province', 'phone', 'fax'];

/**
 * `customer.locationInvoice` or `customer.locationDelivery`, checked field by field in the order of
 * connect-api.md §6: title 431 → lastName 440/441 → firstName 450/451 → companyName 541 → address1
 * 460/461 → address2 531 → zipCode 481 → city 490/491 → country 500/501 → province → phone, fax.
 * Returns null when absent: not sent, null, blank, `{}`/`[]`, or an object none of whose Location
 * fields is given (a partner's empty address template). Throws Refusal(`notAnObject`) for any other
 * non-object (420 invoice, 410 delivery), or the first failing field's code.
 */
export function readLocation(value: unknown, notAnObject: 410 | 420): LocationInput | null {
  if (isAbsent(value)) return null;
  const sent = asRecord(value);
  if (!sent) throw new Refusal(notAnObject);
  if (LOCATION_FIELDS.every((field) => isAbsent(sent[field]))) return null;
  // Property initialisers run in source order, which is the order of the checks.
  return {
    // Nexway's `title` is an int32 code; any non-negative one is kept.
    title: optionalField(readInteger(sent.title, 0, MAX_ID), 431),
    lastName: requireField(readText(sent.lastName, LOCATION_LIMITS.lastName), 440, 441),
    firstName: requireField(readText(sent.firstName, LOCATION_LIMITS.firstName), 450, 451),
    companyName: optionalField(readText(sent.companyName, LOCATION_LIMITS.companyName), 541),
    address1: requireField(readText(sent.address1, LOCATION_LIMITS.address1), 460, 461),
    address2: optionalField(readText(sent.address2, LOCATION_LIMITS.address2), 531),
    zipCode: optionalField(readText(sent.zipCode, LOCATION_LIMITS.zipCode), 481),
    city: requireField(readText(sent.city, LOCATION_LIMITS.city), 490, 491),
    // 501 when not two letters; whether it is an ISO 3166-1 code is the domain's check (1023).
    country: requireField(readText(sent.country, 2, /^[A-Za-z]{2}$/), 500, 501).toUpperCase(),
    province: readProvince(sent.province),
    phone: dropInvalid(readText(sent.phone, LOCATION_LIMITS.phone)),
    fax: dropInvalid(readText(sent.fax, LOCATION_LIMITS.fax)),
  };
}

/**
 * The province trimmed and kept as sent: required-ness (1048), shape (1049) and subdivision (1050) are
 * reference checks made later (connect-api.md §10). Only a value that cannot be text at all (an
 * object, array, boolean, fraction or control character) is refused here, with 1049 (malformed), the
 * one code the province has for its form.
 */
function readProvince(value: unknown): string | null {
  return optionalField(readText(value, Number.MAX_SAFE_INTEGER), 1049);
}

function dropInvalid(read: ReturnType<typeof readText>): string | null {
  return read.kind === 'ok' ? read.value : null;
}
