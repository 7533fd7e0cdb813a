import { Refusal } from '../../shared/errors.js';
import { MAX_ID } from '../../shared/ids.js';
import { isPlainObject } from './route.js';

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

/**
 * The length of `text` in Unicode code points (as a database column counts characters), or undefined
 * when it holds a character a partner never means to send and storage may refuse (PostgreSQL rejects
 * NUL): a control character (C0, DEL, C1; tab, CR and LF only when `multiline`) or a lone surrogate.
 */
function printableLength(text: string, multiline: boolean): number | undefined {
  let length = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const lineBreak = code === 0x09 || code === 0x0a || code === 0x0d;
    const control = (code < 0x20 && !(multiline && lineBreak)) || (code >= 0x7f && code <= 0x9f);
    if (control || (code >= 0xd800 && code <= 0xdfff)) return undefined;
    length++;
  }
  return length;
}

/**
 * A trimmed text of at most `maxLength` characters (code points), on one line unless `multiline`.
 * A JSON number that is a safe integer counts as its digits (`"zipCode": 75001`); any other number,
 * a boolean, an object or an array is invalid, as is a control character.
 */
export function readText(value: unknown, maxLength: number, pattern?: RegExp, multiline = false): Read<string> {
  if (isAbsent(value)) return ABSENT;
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'number' && Number.isSafeInteger(value)) text = String(value);
  else return INVALID;
  const length = printableLength(text, multiline);
  if (length === undefined || length > maxLength || (pattern && !pattern.test(text))) return INVALID;
  return { kind: 'ok', value: text };
}

/** A plain decimal as text: digits, an optional sign and fraction; no exponent, no comma. */
const DECIMAL_TEXT = /^[+-]?\d+(?:\.\d+)?$/;

/** A finite number within [min, max], given as a JSON number or a decimal string (`"19.99"`). */
export function readNumber(value: unknown, min: number, max: number): Read<number> {
  if (isAbsent(value)) return ABSENT;
  const number = typeof value === 'string' && DECIMAL_TEXT.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number < min || number > max) return INVALID;
  return { kind: 'ok', value: number === 0 ? 0 : number };
}

/** Largest amount the wire allows (connect-api.md §2, Money). */
export const MAX_WIRE_AMOUNT = 99_999_999;

/**
 * An amount with at most `digits` decimals (the currency's ISO 4217 minor unit): 0 ≤ v ≤ 99,999,999
 * (−99,999,999 ≤ v when `signed`) and v·10^digits within 1e-6 of an integer (connect-api.md §2).
 * The value is returned as the nearest decimal of that precision (0.1 + 0.2 → 0.3).
 */
export function readAmount(value: unknown, digits: number, signed = false): Read<number> {
  const read = readNumber(value, signed ? -MAX_WIRE_AMOUNT : 0, MAX_WIRE_AMOUNT);
  if (read.kind !== 'ok') return read;
  const scale = 10 ** digits;
  const minor = Math.round(read.value * scale);
  if (Math.abs(read.value * scale - minor) > 1e-6) return INVALID;
  return { kind: 'ok', value: minor / scale || 0 };
}

/**
 * ISO 8601 extended date-time with an offset, in the forms both `new Date()` and Temporal read:
 * `YYYY-MM-DDThh:mm[:ss[.fraction]]` then `Z`, `±hh:mm` or `±hhmm`; fraction 1..9 digits.
 */
const OFFSET_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * A date-time with offset (`2026-01-31T10:00:00+02:00`, `2026-01-31T10:00:00.123Z`), returned as
 * sent (trimmed). Invalid: no time, no offset, an impossible date (`2026-02-30`), 24:00, a leap
 * second, an offset beyond ±23:59.
 */
export function readDateTime(value: unknown): Read<string> {
  if (isAbsent(value)) return ABSENT;
  if (typeof value !== 'string') return INVALID;
  const text = value.trim();
  const parts = OFFSET_DATE_TIME.exec(text);
  if (!parts) return INVALID;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, offsetHour = 0, offsetMinute = 0] = parts.slice(1).map((part) => Number(part ?? 0));
  const valid = month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)
    && hour <= 23 && minute <= 59 && second <= 59 && offsetHour <= 23 && offsetMinute <= 59;
  return valid ? { kind: 'ok', value: text } : INVALID;
}

/** The value of a required field: throws Refusal(missing) when it is absent, Refusal(invalid) when invalid. */
export function requireField<T>(read: Read<T>, missing: number, invalid: number): T {
  if (read.kind === 'absent') throw new Refusal(missing);
  if (read.kind === 'invalid') throw new Refusal(invalid);
  return read.value;
}

/** The value of an optional field, or null when absent: throws Refusal(invalid) when invalid. */
export function optionalField<T>(read: Read<T>, invalid: number): T | null {
  if (read.kind === 'invalid') throw new Refusal(invalid);
  return read.kind === 'ok' ? read.value : null;
}

/**
 * A JSON object as a record, or undefined when `value` is not one. An empty array counts as an empty
 * object: PHP's json_encode writes an empty associative array as `[]`.
 */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  if (Array.isArray(value)) return value.length === 0 ? {} : undefined;
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

/** A JSON array, or undefined when `value` is not one. An empty object counts as an empty array. */
export function asList(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0 ? [] : undefined;
}

/**
 * The partnerOrderNumber of a request, read as createOrder reads it: trimmed text, or a JSON safe
 * integer as its digits. Undefined when absent, blank or of another type (the field's missing code).
 */
export function readOrderNumber(value: unknown): string | undefined {
  if (isAbsent(value)) return undefined;
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/**
 * The partnerOrderNumber a refused call echoes: the text sent (trimmed, so blank echoes ""), or a JSON
 * safe integer as its digits; null for anything else.
 */
export function sentOrderNumber(body: unknown): string | null {
  const value = isPlainObject(body) ? body.partnerOrderNumber : undefined;
  if (typeof value === 'string') return value.trim();
  return typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : null;
}
