import { describe, expect, it } from 'vitest';
import {
  CANCELLABLE_SHIPMENT_STATUSES, cancelDeadline, cancelRefusal, canTransition, isCancelReason, 
  newDownloadEnd, ORDER_TRANSITIONS, parseDownloadValue, SHIPMENT_TRANSITIONS,
} from './order-changes.js';
import { isPossibleOrderNumber } from './order.js';

const DAY = 86_400_000;

describe('cancel reasons', () => {
  it('accepts exactly 2, 3, 4, 5, 6 and 16', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 15, 16, 17].filter(isCancelReason)).toEqual([2, 3, 4, 5, 6, 16]);
  });
});

describe('lifecycles', () => {
  it('lets an active order be cancelled once, never back', () => {
    expect(canTransition(ORDER_TRANSITIONS, 'active', 'cancelled')).toBe(true);
    expect(canTransition(ORDER_TRANSITIONS, 'cancelled', 'cancelled')).toBe(false);
    expect(canTransition(ORDER_TRANSITIONS, 'cancelled', 'active')).toBe(false);
  });

  it('cancels only shipments not shipped yet', () => {
    expect(CANCELLABLE_SHIPMENT_STATUSES).toEqual(['to_ship']);
    expect(canTransition(SHIPMENT_TRANSITIONS, 'shipped', 'cancelled')).toBe(false);
    expect(canTransition(SHIPMENT_TRANSITIONS, 'to_ship', 'shipped')).toBe(true);
  });
});

describe('cancelRefusal', () => {
  const receivedAt = new Date('2026-06-15T10:00:00.000Z');
  const active = { status: 'active' as const, receivedAt };

  it('allows a cancellation up to the last instant of the window, inclusive', () => {
    expect(cancelDeadline(receivedAt, 30).toISOString()).toBe('2026-07-15T10:00:00.000Z');
    expect(cancelRefusal(active, 30, receivedAt, false)).toBeUndefined();
    expect(cancelRefusal(active, 30, new Date(receivedAt.getTime() + 30 * DAY), false)).toBeUndefined();
  });

  it('refuses with 1020 one millisecond after the window', () => {
    expect(cancelRefusal(active, 30, new Date(receivedAt.getTime() + 30 * DAY + 1), false)).toBe(1020);
  });

  it('with a window of 0 days allows only the instant the order was received', () => {
    expect(cancelRefusal(active, 0, receivedAt, false)).toBeUndefined();
    expect(cancelRefusal(active, 0, new Date(receivedAt.getTime() + 1), false)).toBe(1020);
  });

  it('answers 1011 for a cancelled order before looking at the window, then 1020, then 1030', () => {
    const late = new Date(receivedAt.getTime() + 90 * DAY);
    expect(cancelRefusal({ status: 'cancelled', receivedAt }, 30, late, true)).toBe(1011);
    expect(cancelRefusal(active, 30, late, true)).toBe(1020);
    expect(cancelRefusal(active, 30, receivedAt, true)).toBe(1030);
  });
});

describe('parseDownloadValue', () => {
  it('reads a real calendar date', () => {
    expect(parseDownloadValue('2026-08-01')).toEqual({ kind: 'date', date: '2026-08-01' });
    expect(parseDownloadValue(' 2028-02-29 ')).toEqual({ kind: 'date', date: '2028-02-29' });
  });

  it('reads positive durations of years, months, weeks and days, in any case', () => {
    expect(parseDownloadValue('P7D')).toEqual({ kind: 'duration', duration: 'P7D' });
    expect(parseDownloadValue('P1Y2M')).toEqual({ kind: 'duration', duration: 'P1Y2M' });
    expect(parseDownloadValue('P2W')).toEqual({ kind: 'duration', duration: 'P2W' });
    expect(parseDownloadValue('p1y2m3w4d')).toEqual({ kind: 'duration', duration: 'P1Y2M3W4D' });
    expect(parseDownloadValue('P0Y7D')).toEqual({ kind: 'duration', duration: 'P7D' });
  });

  it.each([
    'P0D', 'P0Y0M', 'P', 'PT1H', 'P1DT1H', 'PT0S', '-P7D', '+P7D', 'P1.5D', 'P1,5D', 'P7', '7D', 'P1D1Y',
    '2026-02-30', '2026-13-01', '2026-6-1', '20260601', '2026-06-01T00:00:00Z', '+002026-06-01', 'tomorrow', '',
    'P99999999999999999999D',
  ])('refuses %j', (text) => {
    expect(parseDownloadValue(text)).toBeUndefined();
  });
});

describe('newDownloadEnd', () => {
  const date = (d: string) => ({ kind: 'date' as const, date: d });
  const duration = (d: string) => ({ kind: 'duration' as const, duration: d });

  it('takes an explicit date from today on, earlier or later than the current end', () => {
    expect(newDownloadEnd(date('2026-06-15'), '2026-07-06', '2026-06-15')).toBe('2026-06-15');
    expect(newDownloadEnd(date('2027-01-01'), '2026-07-06', '2026-06-15')).toBe('2027-01-01');
  });

  it('refuses a date before today (UTC)', () => {
    expect(newDownloadEnd(date('2026-06-14'), '2026-07-06', '2026-06-15')).toBeUndefined();
  });

  it('adds a duration to the current end while it is in the future', () => {
    expect(newDownloadEnd(duration('P7D'), '2026-07-06', '2026-06-15')).toBe('2026-07-13');
    expect(newDownloadEnd(duration('P2W'), '2026-07-06', '2026-06-15')).toBe('2026-07-20');
  });

  it('adds a duration to today once the current end has passed', () => {
    expect(newDownloadEnd(duration('P7D'), '2026-07-06', '2026-08-01')).toBe('2026-08-08');
    expect(newDownloadEnd(duration('P7D'), '2026-08-01', '2026-08-01')).toBe('2026-08-08');
  });

  it('clamps months to the end of the month', () => {
    expect(newDownloadEnd(duration('P1M'), '2026-01-31', '2026-01-15')).toBe('2026-02-28');
    expect(newDownloadEnd(duration('P1M'), '2028-01-31', '2026-01-15')).toBe('2028-02-29');
    expect(newDownloadEnd(duration('P1Y2M'), '2026-12-31', '2026-06-15')).toBe('2028-02-29');
    expect(newDownloadEnd(duration('P1Y'), '2028-02-29', '2026-06-15')).toBe('2029-02-28');
  });

  it('refuses an end after 9999-12-31', () => {
    expect(newDownloadEnd(duration('P1D'), '9999-12-31', '2026-06-15')).toBeUndefined();
    expect(newDownloadEnd(duration('P8000Y'), '2026-07-06', '2026-06-15')).toBeUndefined();
    expect(newDownloadEnd(duration('P999999Y'), '2026-07-06', '2026-06-15')).toBeUndefined();
    expect(newDownloadEnd(duration('P1D'), '9999-12-30', '2026-06-15')).toBe('9999-12-31');
  });
});

describe('isPossibleOrderNumber', () => {
  it('accepts what createOrder stores and renewal numbers', () => {
    expect(isPossibleOrderNumber('PON-1')).toBe(true);
    expect(isPossibleOrderNumber(`${'x'.repeat(64)}-2147483647-12`)).toBe(true);
  });

  it('refuses empty, over-long, control characters and lone surrogates', () => {
    expect(isPossibleOrderNumber('')).toBe(false);
    expect(isPossibleOrderNumber('x'.repeat(129))).toBe(false);
    expect(isPossibleOrderNumber('PON\u0000')).toBe(false);
    expect(isPossibleOrderNumber('PON\u0085')).toBe(false);
    expect(isPossibleOrderNumber('PON\uD800')).toBe(false);
    expect(isPossibleOrderNumber('PON-\u{1F600}')).toBe(true);
  });
});
