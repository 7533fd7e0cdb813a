import { describe, expect, it } from 'vitest';
import {
  assertTransition, expirationOf, isClosed, isPeriod, renewalOrderNumber, renewOpensAt, RETRY_EVERY_MS, TRANSITIONS, TransitionRefused,
  type SubscriptionStatus,
} from './subscription.js';

// Pure rules of subscriptions (rules.md §Subscriptions, connect-api.md §7): period arithmetic, the
// renew window, renewal order numbers and the lifecycle table. Time is passed in.

const at = (iso: string) => new Date(iso);
const expiry = (anchor: string, period: string, generation: number) => expirationOf(at(anchor), period, generation).toISOString();
const opens = (expiration: string, period: string) => renewOpensAt(at(expiration), period).toISOString();

describe('expirationOf', () => {
  it('clamps Jan 31 + P1M to Feb 28 and keeps the 31st for the next terms (Mar 31, not Mar 28)', () => {
    expect(expiry('2027-01-31T10:00:00.000Z', 'P1M', 0)).toBe('2027-02-28T10:00:00.000Z');
    expect(expiry('2027-01-31T10:00:00.000Z', 'P1M', 1)).toBe('2027-03-31T10:00:00.000Z');
    expect(expiry('2027-01-31T10:00:00.000Z', 'P1M', 2)).toBe('2027-04-30T10:00:00.000Z');
    expect(expiry('2027-01-31T10:00:00.000Z', 'P1M', 3)).toBe('2027-05-31T10:00:00.000Z');
  });

  it('clamps Jan 31 2028 + P1M to Feb 29 in a leap year', () => {
    expect(expiry('2028-01-31T10:00:00.000Z', 'P1M', 0)).toBe('2028-02-29T10:00:00.000Z');
    expect(expiry('2028-01-31T10:00:00.000Z', 'P1M', 1)).toBe('2028-03-31T10:00:00.000Z');
  });

  it('adds P3M per term from the anchor: Nov 30 → Feb 28 → May 30 → Aug 30 → Nov 30', () => {
    expect(expiry('2026-11-30T08:15:00.000Z', 'P3M', 0)).toBe('2027-02-28T08:15:00.000Z');
    expect(expiry('2026-11-30T08:15:00.000Z', 'P3M', 1)).toBe('2027-05-30T08:15:00.000Z');
    expect(expiry('2026-11-30T08:15:00.000Z', 'P3M', 2)).toBe('2027-08-30T08:15:00.000Z');
    expect(expiry('2026-11-30T08:15:00.000Z', 'P3M', 3)).toBe('2027-11-30T08:15:00.000Z');
  });

  it('takes P1Y from Feb 29 2028 to Feb 28 in common years and back to Feb 29 2032 at generation 3', () => {
    expect(expiry('2028-02-29T12:00:00.000Z', 'P1Y', 0)).toBe('2029-02-28T12:00:00.000Z');
    expect(expiry('2028-02-29T12:00:00.000Z', 'P1Y', 1)).toBe('2030-02-28T12:00:00.000Z');
    expect(expiry('2028-02-29T12:00:00.000Z', 'P1Y', 2)).toBe('2031-02-28T12:00:00.000Z');
    expect(expiry('2028-02-29T12:00:00.000Z', 'P1Y', 3)).toBe('2032-02-29T12:00:00.000Z');
  });

  it('adds P1W as 7 days per term', () => {
    expect(expiry('2027-01-31T10:00:00.000Z', 'P1W', 0)).toBe('2027-02-07T10:00:00.000Z');
    expect(expiry('2027-01-31T10:00:00.000Z', 'P1W', 1)).toBe('2027-02-14T10:00:00.000Z');
    expect(expiry('2027-01-31T10:00:00.000Z', 'P1W', 4)).toBe('2027-03-07T10:00:00.000Z');
  });

  it('adds P30D as 30 days per term, across month ends', () => {
    expect(expiry('2027-01-31T10:00:00.000Z', 'P30D', 0)).toBe('2027-03-02T10:00:00.000Z');
    expect(expiry('2027-01-31T10:00:00.000Z', 'P30D', 1)).toBe('2027-04-01T10:00:00.000Z');
  });

  it('keeps the time of day, milliseconds included, and computes in UTC near midnight', () => {
    expect(expiry('2026-12-31T23:59:59.123Z', 'P1M', 0)).toBe('2027-01-31T23:59:59.123Z');
    expect(expiry('2026-12-31T23:59:59.123Z', 'P1M', 1)).toBe('2027-02-28T23:59:59.123Z');
    expect(expiry('2026-03-28T00:30:00.000Z', 'P1W', 0)).toBe('2026-04-04T00:30:00.000Z');
  });
});

describe('renewOpensAt', () => {
  it('opens a P1Y renewal 30 days before expiration', () => {
    expect(opens('2027-01-31T10:00:00.000Z', 'P1Y')).toBe('2027-01-01T10:00:00.000Z');
  });

  it('opens a P1M renewal one period before expiration when the month is shorter than 30 days', () => {
    expect(opens('2027-03-01T10:00:00.000Z', 'P1M')).toBe('2027-02-01T10:00:00.000Z');
    expect(opens('2028-03-01T10:00:00.000Z', 'P1M')).toBe('2028-02-01T10:00:00.000Z');
  });

  it('opens a P1M renewal 30 days before expiration when the month has 30 or 31 days', () => {
    expect(opens('2027-05-01T10:00:00.000Z', 'P1M')).toBe('2027-04-01T10:00:00.000Z');
    expect(opens('2027-03-31T10:00:00.000Z', 'P1M')).toBe('2027-03-01T10:00:00.000Z');
    expect(opens('2027-02-28T10:00:00.000Z', 'P1M')).toBe('2027-01-29T10:00:00.000Z');
  });

  it('opens a P1W renewal 7 days before, a P30D or P3M one 30 days before', () => {
    expect(opens('2027-02-14T10:00:00.000Z', 'P1W')).toBe('2027-02-07T10:00:00.000Z');
    expect(opens('2027-04-01T10:00:00.000Z', 'P30D')).toBe('2027-03-02T10:00:00.000Z');
    expect(opens('2027-05-30T08:15:00.000Z', 'P3M')).toBe('2027-04-30T08:15:00.000Z');
  });
});

describe('renewalOrderNumber', () => {
  it('is {pon}-{generation} when the original order holds one subscription', () => {
    expect(renewalOrderNumber('PARTNER689', 5000012, 1, 1)).toBe('PARTNER689-1');
    expect(renewalOrderNumber('PARTNER689', 5000012, 12, 1)).toBe('PARTNER689-12');
  });

  it('is {pon}-{subscriptionId}-{generation} when the original order holds several', () => {
    expect(renewalOrderNumber('PARTNER689', 5000012, 1, 2)).toBe('PARTNER689-5000012-1');
    expect(renewalOrderNumber('PARTNER689', 5000013, 3, 5)).toBe('PARTNER689-5000013-3');
  });
});

describe('lifecycle', () => {
  const STATUSES: readonly SubscriptionStatus[] = ['ACTIVE', 'CANCELLED', 'EXPIRED', 'TERMINATED', 'RENEWAL_FAILED'];
  // rules.md §Subscriptions "Transitions", written out again here rather than read from the code.
  const ALLOWED = new Set([
    'ACTIVE>CANCELLED', 'ACTIVE>RENEWAL_FAILED', 'ACTIVE>TERMINATED',
    'RENEWAL_FAILED>ACTIVE', 'RENEWAL_FAILED>EXPIRED', 'RENEWAL_FAILED>TERMINATED',
    'CANCELLED>EXPIRED', 'CANCELLED>TERMINATED',
  ]);

  /** What assertTransition throws for `from → to`, or undefined. */
  const refusalOf = (from: SubscriptionStatus, to: SubscriptionStatus): unknown => {
    try {
      assertTransition(from, to);
      return undefined;
    } catch (error) {
      return error;
    }
  };

  for (const from of STATUSES) {
    for (const to of STATUSES) {
      const allowed = ALLOWED.has(`${from}>${to}`);
      it(`${allowed ? 'allows' : 'refuses'} ${from} → ${to}`, () => {
        const refusal = refusalOf(from, to);
        if (allowed) expect(refusal).toBeUndefined();
        else expect(refusal).toEqual(expect.objectContaining({ name: 'TransitionRefused', from, to }));
        if (!allowed) expect(refusal).toBeInstanceOf(TransitionRefused);
      });
    }
  }

  it('has a row for every status and nothing more, EXPIRED and TERMINATED final', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...STATUSES].sort());
    expect(TRANSITIONS.EXPIRED).toEqual([]);
    expect(TRANSITIONS.TERMINATED).toEqual([]);
  });

  it('treats CANCELLED, EXPIRED and TERMINATED as closed to cancel and renew calls (1011)', () => {
    expect(STATUSES.filter(isClosed)).toEqual(['CANCELLED', 'EXPIRED', 'TERMINATED']);
  });
});

describe('isPeriod', () => {
  it('accepts positive periods of years, months, weeks and days', () => {
    expect(['P1Y', 'P1M', 'P3M', 'P1W', 'P30D', 'P1Y6M'].filter(isPeriod)).toEqual(['P1Y', 'P1M', 'P3M', 'P1W', 'P30D', 'P1Y6M']);
  });

  it('refuses zero, negative, time-based and malformed periods', () => {
    expect(['P0D', '-P1M', 'PT1H', 'P1DT1H', 'P', '1M', 'monthly', ''].filter(isPeriod)).toEqual([]);
  });
});

describe('retries', () => {
  it('retries a failed renewal every 6 hours', () => {
    expect(RETRY_EVERY_MS).toBe(6 * 3_600_000);
  });
});
