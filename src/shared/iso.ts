import { iso31661, iso31662 } from 'iso-3166';

const COUNTRIES = new Set(iso31661.map((c) => c.alpha2));
const SUBDIVISIONS = new Map(iso31662.map((s) => [s.code, s.parent]));

/** An ISO 3166-1 alpha-2 code (upper case). */
export function isCountry(code: string): boolean {
  return COUNTRIES.has(code);
}

/** Whether `code` (`US-NY`, or `NY` read inside `country`) is an ISO 3166-2 subdivision of `country`. */
export function isSubdivisionOf(code: string, country: string): boolean {
  const full = code.includes('-') ? code.toUpperCase() : `${country}-${code.toUpperCase()}`;
  const parent = SUBDIVISIONS.get(full);
  return parent !== undefined && (parent === country || parent.startsWith(`${country}-`));
}

/** A two-letter language code as the catalog stores it (lower case), or undefined. */
export function normaliseLanguage(code: string): string | undefined {
  const lower = code.trim().toLowerCase();
  return /^[a-z]{2}$/.test(lower) ? lower : undefined;
}
