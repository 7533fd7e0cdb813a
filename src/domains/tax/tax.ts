import { COUNTRY_RATES, PROVINCE_RATES, REGIONS_OUTSIDE_TABLE, VAT_TABLE_STARTS_ON, type RateHistory } from './vat-rates.js';

/** How far a sent rate may be from the standard one and still be the standard one (rules.md: ±0.01). */
export const VAT_RATE_TOLERANCE = 0.01;

/** Slack for binary floating point: 20 − 19.99 is 0.010000000000001563, not 0.01. */
const EPSILON = 1e-9;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Why a line would be flagged in the statement's VAT report under the `record` policy. */
export type VatFlag =
  /** `vatRate` differs (beyond ±0.01) from the standard rate of the invoice country on that day. */
  | 'rate_differs'
  /** `amountTotal` ≠ `amountDutyFree × (1 + vatRate/100)` beyond one minor unit per unit. */
  | 'amounts_disagree';

/** What a line says about VAT: amounts are line totals in minor units, null when not sent. */
export type VatLine = {
  vatRate: number | null;
  amountDutyFreeMinor: number | null;
  amountTotalMinor: number | null;
  quantity: number;
};

/** Where and when the rate is looked up: invoice country and province, UTC day the order was received. */
export type VatPlace = { country: string; province: string | null; onDate: string };

/**
 * Standard VAT/GST rate (percent) in force on `onDate` (YYYY-MM-DD) for an invoice country and province;
 * undefined when outside the table (unknown country, Canada without a known province, a region listed
 * in REGIONS_OUTSIDE_TABLE, or a date before the table starts). Throws RangeError on a malformed date.
 */
export function standardVatRate(country: string, province: string | null, onDate: string): number | undefined {
  if (!DAY.test(onDate)) throw new RangeError(`onDate must be YYYY-MM-DD, got ${JSON.stringify(onDate)}`);
  const code = country.trim().toUpperCase();
  const region = province === null ? undefined : provinceCode(code, province);
  if (region !== undefined && REGIONS_OUTSIDE_TABLE[code]?.includes(region)) return undefined;

  const byProvince = PROVINCE_RATES[code];
  if (byProvince) return region === undefined ? undefined : rateOn(byProvince[region], onDate);
  return rateOn(COUNTRY_RATES[code], onDate);
}

/**
 * Whether a sent `vatRate` is accepted: a finite number within 0..100 and, inside the table, within
 * ±0.01 of the standard rate; outside the table any 0..100 is. Throws RangeError on a malformed date.
 */
export function isVatRateAccepted(sent: number, country: string, province: string | null, onDate: string): boolean {
  if (!Number.isFinite(sent) || sent < 0 || sent > 100) return false;
  const standard = standardVatRate(country, province, onDate);
  return standard === undefined || Math.abs(sent - standard) <= VAT_RATE_TOLERANCE + EPSILON;
}

/**
 * Whether line amounts (minor units) agree with a rate: |total − dutyFree × (1 + rate/100)| ≤ quantity,
 * i.e. within one minor unit per unit, so per-unit rounding is tolerated.
 * Throws RangeError unless the amounts are non-negative integers, the rate finite and quantity a
 * positive integer.
 */
export function amountsAgree(dutyFreeMinor: number, totalMinor: number, vatRate: number, quantity: number): boolean {
  if (!Number.isSafeInteger(dutyFreeMinor) || dutyFreeMinor < 0 || !Number.isSafeInteger(totalMinor) || totalMinor < 0) {
    throw new RangeError('amounts must be non-negative integers of minor units');
  }
  if (!Number.isSafeInteger(quantity) || quantity < 1) throw new RangeError('quantity must be a positive integer');
  if (!Number.isFinite(vatRate)) throw new RangeError('vatRate must be a finite number');
  // (100 + r) / 100 rather than 1 + r / 100: one rounding fewer on the way.
  const expected = (dutyFreeMinor * (100 + vatRate)) / 100;
  return Math.abs(totalMinor - expected) <= quantity + EPSILON;
}

/**
 * Flags of one line for the VAT report (record policy), in the order the strict policy refuses them
 * (231 before 251): `rate_differs` when a vatRate was sent and is not accepted for the place;
 * `amounts_disagree` when a vatRate and both amounts were sent and disagree. Empty when nothing to flag.
 */
export function vatFlags(line: VatLine, place: VatPlace): VatFlag[] {
  const flags: VatFlag[] = [];
  if (line.vatRate === null) return flags;
  if (!isVatRateAccepted(line.vatRate, place.country, place.province, place.onDate)) flags.push('rate_differs');
  if (
    line.amountDutyFreeMinor !== null &&
    line.amountTotalMinor !== null &&
    !amountsAgree(line.amountDutyFreeMinor, line.amountTotalMinor, line.vatRate, line.quantity)
  ) {
    flags.push('amounts_disagree');
  }
  return flags;
}

/** Whether a country has any rate in the table (for Canada, in some province). */
export function isInVatTable(country: string): boolean {
  const code = country.trim().toUpperCase();
  return code in COUNTRY_RATES || code in PROVINCE_RATES;
}

/**
 * The province part of `CA-ON`, `ca-on` or `ON` for `country`, upper case; undefined when the code names
 * a subdivision of another country (`US-NY` for CA) or is blank.
 */
export function provinceCode(country: string, province: string): string | undefined {
  const upper = province.trim().toUpperCase();
  const dash = upper.indexOf('-');
  if (dash === -1) return upper === '' ? undefined : upper;
  if (upper.slice(0, dash) !== country.trim().toUpperCase()) return undefined;
  const part = upper.slice(dash + 1);
  return part === '' ? undefined : part;
}

/** The rate of the last period that started on or before `onDate` (ISO dates compare as text). */
function rateOn(history: RateHistory | undefined, onDate: string): number | undefined {
  if (!history || onDate < VAT_TABLE_STARTS_ON) return undefined;
  let rate: number | undefined;
  for (const period of history) {
    if (period.from > onDate) break;
    rate = period.rate;
  }
  return rate;
}
