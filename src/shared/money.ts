import currencyCodes from 'currency-codes';

/** Money is integer minor units of an ISO 4217 currency; never a float once parsed. */
export type Money = { minor: number; currency: string };

// currency-codes searches its whole table at every lookup; the answers never change.
const DIGITS = new Map<string, number | undefined>();

/** Minor-unit digits of an ISO 4217 code (EUR 2, JPY 0, KWD 3), or undefined when it is not one. */
export function currencyDigits(code: string): number | undefined {
  if (DIGITS.has(code)) return DIGITS.get(code);
  if (!/^[A-Z]{3}$/.test(code)) return undefined;
  const digits = currencyCodes.code(code)?.digits;
  DIGITS.set(code, digits);
  return digits;
}

export function isCurrency(code: string): boolean {
  return currencyDigits(code) !== undefined;
}

const MAX_AMOUNT = 99_999_999;

/**
 * A wire amount to minor units: valid when 0 ≤ v ≤ 99,999,999 with at most the currency's decimals
 * (v·10^d within 1e-6 of an integer). Returns undefined when invalid.
 */
export function toMinor(value: number, currency: string): number | undefined {
  const digits = currencyDigits(currency);
  if (digits === undefined || !Number.isFinite(value) || value < 0 || value > MAX_AMOUNT) return undefined;
  const scaled = value * 10 ** digits;
  const rounded = Math.round(scaled);
  return Math.abs(scaled - rounded) <= 1e-6 ? rounded : undefined;
}

/** Minor units to the wire's decimal number. */
export function fromMinor(minor: number, currency: string): number {
  const digits = currencyDigits(currency) ?? 2;
  return Number((minor / 10 ** digits).toFixed(digits));
}

/** Minor units as text with the currency's own decimals (feeds, statements): 4499 EUR → "44.99". */
export function formatMinor(minor: number, currency: string): string {
  const digits = currencyDigits(currency) ?? 2;
  return (minor / 10 ** digits).toFixed(digits);
}
