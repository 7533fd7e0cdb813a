import { Temporal } from 'temporal-polyfill';

export type SubscriptionStatus = 'ACTIVE' | 'CANCELLED' | 'EXPIRED' | 'TERMINATED' | 'RENEWAL_FAILED';

/** The lifecycle as data: the only statuses each status may move to (rules.md §Subscriptions). */
export const TRANSITIONS: Readonly<Record<SubscriptionStatus, readonly SubscriptionStatus[]>> = {
  ACTIVE: ['CANCELLED', 'RENEWAL_FAILED', 'TERMINATED'],
  RENEWAL_FAILED: ['ACTIVE', 'EXPIRED', 'TERMINATED'],
  CANCELLED: ['EXPIRED', 'TERMINATED'],
  EXPIRED: [],
  TERMINATED: [],
};

export class TransitionRefused extends Error {
  constructor(readonly from: SubscriptionStatus, readonly to: SubscriptionStatus) {
    super(`a subscription cannot go from ${from} to ${to}`);
    this.name = 'TransitionRefused';
  }
}

/** Throws TransitionRefused unless `from → to` is in the transitions table. */
export function assertTransition(from: SubscriptionStatus, to: SubscriptionStatus): void {
  if (!TRANSITIONS[from].includes(to)) throw new TransitionRefused(from, to);
}

/** Statuses in which a subscription is over: no renewal, no cancellation, no renew call (1011). */
export function isClosed(status: SubscriptionStatus): boolean {
  return status === 'CANCELLED' || status === 'EXPIRED' || status === 'TERMINATED';
}

/** Whether an ISO 8601 duration is a usable subscription period (positive, years to days). */
export function isPeriod(period: string): boolean {
  try {
    const duration = Temporal.Duration.from(period);
    return duration.sign > 0 && duration.hours === 0 && duration.minutes === 0 && duration.seconds === 0
      && duration.milliseconds === 0 && duration.microseconds === 0 && duration.nanoseconds === 0;
  } catch {
    return false;
  }
}

/**
 * End of term `generation` (0 = first): the anchor plus (generation + 1) periods, computed from the
 * anchor each time, in UTC. Month arithmetic clamps to the month's end (Jan 31 + P1M = Feb 28/29) and
 * the next term keeps the anchor's day when the month allows (Mar 31, not Mar 28): no drift.
 */
export function expirationOf(anchor: Date, period: string, generation: number): Date {
  const start = Temporal.Instant.fromEpochMilliseconds(anchor.getTime()).toZonedDateTimeISO('UTC');
  const duration = Temporal.Duration.from(period);
  const terms = generation + 1;
  const end = start.add({
    years: duration.years * terms,
    months: duration.months * terms,
    weeks: duration.weeks * terms,
    days: duration.days * terms,
  }, { overflow: 'constrain' });
  return new Date(end.epochMilliseconds);
}

/** min(30 days, one period) before `expiration`: from then on a partner may renew (connect-api.md §7). */
export function renewOpensAt(expiration: Date, period: string): Date {
  const thirtyDays = 30 * 86_400_000;
  const oneEarlier = Temporal.Instant.fromEpochMilliseconds(expiration.getTime()).toZonedDateTimeISO('UTC')
    .subtract(Temporal.Duration.from(period), { overflow: 'constrain' });
  return new Date(expiration.getTime() - Math.min(thirtyDays, expiration.getTime() - oneEarlier.epochMilliseconds));
}

/** The renewal order's partnerOrderNumber: `{pon}-{generation}`, or `{pon}-{subscriptionId}-{generation}` when the order holds several subscriptions. */
export function renewalOrderNumber(partnerOrderNumber: string, subscriptionId: number, generation: number, subscriptionsInOrder: number): string {
  return subscriptionsInOrder > 1 ? `${partnerOrderNumber}-${subscriptionId}-${generation}` : `${partnerOrderNumber}-${generation}`;
}

/** Default pause between two attempts of a failed renewal. */
export const RETRY_EVERY_MS = 6 * 3_600_000;
