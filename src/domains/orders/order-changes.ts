import { Temporal } from 'temporal-polyfill';
import type { OrderStatus } from './order.js';

/**
 * Why a partner cancels an order (connect-api.md §6): 2 order cancelled, 3 unsatisfied customer,
 * 4 double order, 5 product order, 6 incompatible product, 16 fraud/chargeback.
 */
export const CANCEL_REASONS = [2, 3, 4, 5, 6, 16] as const;

export type CancelReason = (typeof CANCEL_REASONS)[number];

export function isCancelReason(code: number): code is CancelReason {
  return (CANCEL_REASONS as readonly number[]).includes(code);
}

export type ShipmentStatus = 'to_ship' | 'shipped' | 'cancelled';

/** The order lifecycle: a cancelled order is final. */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  active: ['cancelled'],
  cancelled: [],
};

/** The shipment lifecycle (rules.md §Orders): the operator ships, a cancellation cancels what is not shipped yet. */
export const SHIPMENT_TRANSITIONS: Readonly<Record<ShipmentStatus, readonly ShipmentStatus[]>> = {
  to_ship: ['shipped', 'cancelled'],
  shipped: [],
  cancelled: [],
};

/** Whether a lifecycle table allows going from `from` to `to`. */
export function canTransition<S extends string>(transitions: Readonly<Record<S, readonly S[]>>, from: S, to: S): boolean {
  return transitions[from]?.includes(to) ?? false;
}

/** Shipment statuses a cancelled order moves to `cancelled`: those the lifecycle lets go there. */
export const CANCELLABLE_SHIPMENT_STATUSES: readonly ShipmentStatus[] = (Object.keys(SHIPMENT_TRANSITIONS) as ShipmentStatus[])
  .filter((status) => canTransition(SHIPMENT_TRANSITIONS, status, 'cancelled'));

const DAY_MS = 86_400_000;

/** The last instant an order received at `receivedAt` may be cancelled: `windowDays` days of 24 hours later. */
export function cancelDeadline(receivedAt: Date, windowDays: number): Date {
  return new Date(receivedAt.getTime() + windowDays * DAY_MS);
}

/**
 * Why a cancellation is refused, in the contract's order, or undefined when it is allowed:
 * 1011 already cancelled, 1020 `now` after the POS cancel window, 1030 a renewal order whose
 * subscription renewed again since.
 */
export function cancelRefusal(
  order: { status: OrderStatus; receivedAt: Date },
  windowDays: number,
  now: Date,
  renewedAgain: boolean,
): 1011 | 1020 | 1030 | undefined {
  if (!canTransition(ORDER_TRANSITIONS, order.status, 'cancelled')) return 1011;
  if (now.getTime() > cancelDeadline(order.receivedAt, windowDays).getTime()) return 1020;
  if (renewedAgain) return 1030;
  return undefined;
}

/** What updateDownloadTime may set: an explicit last day, or a duration added to the window. */
export type DownloadValue = { kind: 'date'; date: string } | { kind: 'duration'; duration: string };

/** The latest end a download window can have: the wire writes dates as `YYYY-MM-DD`. */
export const LAST_DOWNLOAD_DAY = '9999-12-31';

const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A date-only ISO 8601 duration: at least one of years, months, weeks, days, in that order; no time part, no sign, no fraction. */
const DATE_DURATION = /^P(?=\d)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?$/;

/**
 * Reads updateDownloadTime's `value`: a real calendar date `YYYY-MM-DD`, or a positive ISO 8601
 * duration made of Y/M/W/D only (`P7D`, `P1Y2M`, `P2W`; any case). Undefined when it is neither
 * (a time part, zero, a sign, a fraction, an impossible date, text).
 */
export function parseDownloadValue(text: string): DownloadValue | undefined {
  const value = text.trim().toUpperCase();
  if (CALENDAR_DATE.test(value)) {
    try {
      return { kind: 'date', date: Temporal.PlainDate.from(value).toString() };
    } catch {
      return undefined;
    }
  }
  if (!DATE_DURATION.test(value)) return undefined;
  try {
    const duration = Temporal.Duration.from(value);
    return duration.blank ? undefined : { kind: 'duration', duration: duration.toString() };
  } catch {
    return undefined;
  }
}

/**
 * The new last day of a download window ending on `currentEnd`, on `today` (UTC): an explicit date
 * when it is today or later; a duration added to max(currentEnd, today), months clamped to the end
 * of the month (Jan 31 + P1M = Feb 28/29). Undefined when the value is refused (a past date, or an
 * end after 9999-12-31).
 */
export function newDownloadEnd(value: DownloadValue, currentEnd: string, today: string): string | undefined {
  if (value.kind === 'date') return value.date >= today && value.date <= LAST_DOWNLOAD_DAY ? value.date : undefined;
  const from = currentEnd > today ? currentEnd : today;
  try {
    const end = Temporal.PlainDate.from(from).add(Temporal.Duration.from(value.duration)).toString();
    return CALENDAR_DATE.test(end) && end <= LAST_DOWNLOAD_DAY ? end : undefined;
  } catch {
    return undefined;
  }
}
