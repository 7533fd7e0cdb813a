import { MAX_ID } from '../../shared/ids.js';

/**
 * Reading wire values as the contract says (connect-api.md §2): numbers may come as numeric strings,
 * an empty or blank string counts as absent. Each reader returns `absent`, `invalid` or the value, so
 * a handler can map the first failing field to its own code.
 */
export type Read<T> = { kind: 'absent' } | { kind: 'invalid' } | { kind: 'ok'; value: T };

const ABSENT = { kind: 'absent' } as const;
const INVALID = { kind: 'invalid' } as const;

export function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** An integer within [min, max], given as a JSON number or a numeric string. */
export function readInteger(value: unknown, min: number, max: number): Read<number> {
  if (isAbsent(value)) return ABSENT;
  const number = typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) return INVALID;
  return { kind: 'ok', value: number };
}

/** A positive id below 2^31 (productRef, orderNumber, subscriptionId, …). */
export function readId(value: unknown): Read<number> {
  return readInteger(value, 1, MAX_ID);
}

/** A trimmed string of at most `maxLength` characters. */
export function readString(value: unknown, maxLength: number, pattern?: RegExp): Read<string> {
  if (isAbsent(value)) return ABSENT;
  if (typeof value !== 'string' && typeof value !== 'number') return INVALID;
  const text = String(value).trim();
  if (text.length > maxLength || (pattern && !pattern.test(text))) return INVALID;
  return { kind: 'ok', value: text };
}
