/** Why a download link of an order does not serve its file now. */
export type LinkRefusal =
  | { reason: 'unknown' }
  | { reason: 'cancelled' }
  | { reason: 'expired'; endedOn: string };

/** What a link's order says about it: its state and the last day (UTC) of its window. */
export type LinkOrderState = { status: string; downloadEndsOn: string };

/**
 * Why an order's links do not work at `now`, or undefined while they do: a cancelled order's links
 * stop at once; otherwise they work until 23:59:59.999 UTC of `downloadEndsOn` (rules.md, Time).
 */
export function linkRefusal(order: LinkOrderState, now: Date): LinkRefusal | undefined {
  if (order.status === 'cancelled') return { reason: 'cancelled' };
  if (now.toISOString().slice(0, 10) > order.downloadEndsOn) return { reason: 'expired', endedOn: order.downloadEndsOn };
  return undefined;
}

/** A `Range` header as sent, single range only: `first-[last]`, or a suffix `-length`. */
export type RangeSpec = { kind: 'from'; first: number; last: number | null } | { kind: 'suffix'; length: number };

/**
 * The single byte range a `Range` header asks for, or undefined when the header is absent, not in
 * bytes, malformed or asks for several ranges: RFC 9110 §14.2 lets a server ignore such a header and
 * send the whole file, which is what we do.
 */
export function readRangeHeader(header: string | undefined): RangeSpec | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') return { kind: 'suffix', length: Number(last) };
  const from = Number(first);
  const to = last === '' ? null : Number(last);
  if (to !== null && to < from) return undefined;
  return { kind: 'from', first: from, last: to };
}

/** What to send for a GET: the whole file, one part of it (bytes `start`..`end` inclusive), or 416. */
export type ByteRange = { kind: 'whole' } | { kind: 'part'; start: number; end: number } | { kind: 'unsatisfiable' };

/** The bytes of a file of `size` bytes that a (possibly absent) range asks for (RFC 9110 §14.1.2). */
export function resolveRange(spec: RangeSpec | undefined, size: number): ByteRange {
  if (spec === undefined) return { kind: 'whole' };
  if (spec.kind === 'suffix') {
    if (spec.length === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'part', start: Math.max(0, size - spec.length), end: size - 1 };
  }
  if (spec.first >= size) return { kind: 'unsatisfiable' };
  return { kind: 'part', start: spec.first, end: spec.last === null ? size - 1 : Math.min(spec.last, size - 1) };
}

/** Download counting (connect-api.md §10): a GET without Range, or with a Range from byte 0, counts a start. */
export function countsAsStart(range: ByteRange): boolean {
  return range.kind === 'whole' || (range.kind === 'part' && range.start === 0);
}

/** A redirected GET counts a start on the same rule, read from the header alone (the origin serves the bytes). */
export function redirectCountsAsStart(spec: RangeSpec | undefined): boolean {
  return spec === undefined || (spec.kind === 'from' && spec.first === 0);
}

/** Whether sending `range` of a file of `size` bytes sends its last byte: a completion once it is all sent. */
export function sendsLastByte(range: ByteRange, size: number): boolean {
  return range.kind === 'whole' || (range.kind === 'part' && range.end === size - 1);
}
