import { Temporal } from 'temporal-polyfill';
import type { SellableProduct } from '../catalog/index.js';

export type OrderStatus = 'active' | 'cancelled';

/** An order as the partner reads it back (createOrder's and getOrderData's answer). */
export type OrderView = {
  orderNumber: number;
  partnerOrderNumber: string;
  status: OrderStatus;
  /** `YYYY-MM-DD`: the last day links work; the cancellation date once cancelled. */
  downloadEndsOn: string;
  lines: OrderLineView[];
  /** The order's Metalink URL, or null when it has no files (or is cancelled). */
  downloadManagerUrl: string | null;
};

export type OrderLineView = {
  productRef: number;
  items: { serials: string[]; subscriptionId: number | null }[];
  files: { label: string; type: string; url: string; size: number; group: string }[];
  digitalLockerLink: string | null;
  remark: string | null;
};

/** Products that ship a disc: their order needs a delivery address and creates a shipment. */
export function isPhysical(product: Pick<SellableProduct, 'option'>): boolean {
  return product.option?.kind === 'backup_dvd' || product.option?.kind === 'download_dvd';
}

/**
 * Last day of the download window: the UTC date the order was received + `windowDays`, then each
 * download-extension duration bought in the order added in turn (extensions add up).
 */
export function downloadEndDate(receivedAt: Date, windowDays: number, extensions: readonly string[]): string {
  // Whole days on a UTC date need no calendar (and every order computes this); durations in months do.
  const windowEnd = new Date(Date.UTC(receivedAt.getUTCFullYear(), receivedAt.getUTCMonth(), receivedAt.getUTCDate() + windowDays));
  if (extensions.length === 0) return windowEnd.toISOString().slice(0, 10);
  let day = Temporal.PlainDate.from(windowEnd.toISOString().slice(0, 10));
  for (const duration of extensions) day = day.add(Temporal.Duration.from(duration));
  return day.toString();
}

/**
 * A remark template with `{orderNumber}`, `{email}` and `{partnerOrderNumber}` filled in. The email
 * is asked for only when the template holds `{email}`: finding it may mean parsing the stored customer.
 */
export function fillRemark(template: string | null, values: { orderNumber: number; email: () => string; partnerOrderNumber: string }): string | null {
  if (template === null) return null;
  const numbered = template.replaceAll('{orderNumber}', String(values.orderNumber));
  return (numbered.includes('{email}') ? numbered.replaceAll('{email}', values.email()) : numbered)
    .replaceAll('{partnerOrderNumber}', values.partnerOrderNumber);
}

/** Countries whose addresses need a province (ISO 3166-2) in createOrder. */
export const PROVINCE_COUNTRIES: ReadonlySet<string> = new Set(['US', 'CA', 'BR', 'AU']);

/** `US-NY` or `NY` (any case): the shape of a province before it is looked up. */
export function isProvinceShaped(province: string): boolean {
  return /^([A-Za-z]{2}-)?[A-Za-z0-9]{1,3}$/.test(province);
}

/** The province in ISO 3166-2 form within `country` (`ny` → `US-NY`). */
export function fullProvince(province: string, country: string): string {
  const upper = province.toUpperCase();
  return upper.includes('-') ? upper : `${country}-${upper}`;
}

export { isPossibleOrderNumber } from '../../shared/text.js';
