import { currencyDigits } from '../../shared/money.js';
import type { Product, ProductFile } from './product.js';

/**
 * What an import writes for one product: every stored attribute, without the database's own values
 * (file ids, creation and change times). Two records are the same product data exactly when
 * `changedAttributes` finds nothing, which is what makes a repeated import change nothing.
 */
export type FileRecord = Omit<ProductFile, 'id'>;
export type ProductRecord = Omit<Product, 'files' | 'createdAt' | 'updatedAt'> & { files: FileRecord[] };

export type PublisherRecord = { id: number; name: string; mustProposeDvd: boolean };
export type CategoryRecord = { id: number; parentId: number | null; labels: Record<string, string>; position: number };
export type OperatingSystemRecord = { id: number; label: string };

/** A problem found in an import: where (a JSON path or a column name, relative to the product) and what. */
export type Problem = { path: string; message: string };

export const DEFAULT_LOW_STOCK_THRESHOLD = 10;

/** The record of a stored product, for comparison with what an import brings. */
export function recordOf(product: Product): ProductRecord {
  const { files, createdAt: _created, updatedAt: _updated, ...rest } = product;
  return { ...rest, files: files.map(({ id: _id, ...file }) => file) };
}

/** JSON text with object keys sorted, so equal data gives equal text whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : v));
}

/** The attributes (top-level keys) whose value differs between two records; empty when they are the same. */
export function changedAttributes(before: ProductRecord, after: ProductRecord): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)] as (keyof ProductRecord)[]);
  return [...keys].filter((key) => canonicalJson(before[key]) !== canonicalJson(after[key])).sort();
}

/** Prices in the order the catalog stores and reads them (by currency). */
export function sortPrices(prices: ProductRecord['prices']): ProductRecord['prices'] {
  return [...prices].sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
}

const DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;

/** A positive ISO 8601 duration (`P1Y`, `P1M`, `P30D`, `PT12H`); with `dateOnly`, without a time part. */
export function isIsoDuration(text: string, dateOnly = false): boolean {
  if (!DURATION.test(text) || (dateOnly && text.includes('T'))) return false;
  return /[1-9]/.test(text);
}

/** A calendar date `YYYY-MM-DD` that exists. */
export function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

const MAX_AMOUNT_MINOR_DIGITS = 8;

/**
 * A decimal written as text (`44.99`, `44,99`, `1500`) to minor units of `currency`, exactly (no float
 * rounding). Returns a reason when it is not a non-negative amount with at most the currency's decimals.
 */
export function decimalTextToMinor(text: string, currency: string): number | { reason: string } {
  const digits = currencyDigits(currency);
  if (digits === undefined) return { reason: `"${currency}" is not an ISO 4217 currency` };
  const match = /^(\d+)(?:[.,](\d+))?$/.exec(text.trim());
  if (!match) return { reason: `"${text}" is not an amount` };
  const whole = match[1]!.replace(/^0+(?=\d)/, '');
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > digits) return { reason: `${text} has more decimals than ${currency} allows (${digits})` };
  if (whole.length > MAX_AMOUNT_MINOR_DIGITS) return { reason: `${text} is too large` };
  return Number(whole + fraction.padEnd(digits, '0'));
}

/**
 * The rules a complete product record must follow, whatever it was imported from: delivery settings
 * that agree with each other, options, subscriptions and relations. References to other products,
 * publishers, categories and operating systems are checked by the import, which knows the catalog.
 */
export function checkProductRecord(record: ProductRecord): Problem[] {
  const problems: Problem[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });
  const d = record.delivery;

  if (record.status === 'pre_order' && record.releaseDate === null) problem('releaseDate', 'a pre-order product needs a release date');
  if (Object.values(record.texts).every((t) => !t.name)) problem('names', 'a product needs a name in at least one language');

  if (d.serialSource === 'none' && d.serialsPerUnit !== 0) problem('delivery.serialsPerUnit', 'must be 0 when serialSource is none');
  if (d.serialSource !== 'none' && d.serialsPerUnit < 1) problem('delivery.serialsPerUnit', `must be at least 1 when serialSource is ${d.serialSource}`);
  if (d.serialSource === 'generated') {
    if (d.serialPattern === null) problem('delivery.serialPattern', 'a generated serial source needs a pattern');
    else if ((d.serialPattern.match(/X/g) ?? []).length < 4) problem('delivery.serialPattern', 'needs at least 4 X (random characters)');
  } else if (d.serialPattern !== null) {
    problem('delivery.serialPattern', 'only a generated serial source takes a pattern');
  }
  if (d.newSerialEachTerm && record.subscription === null) problem('delivery.newSerialEachTerm', 'only a subscription product issues a serial per term');
  if (d.downloadManager && record.files.length === 0) problem('delivery.downloadManager', 'the download manager needs files to list');

  if (record.option) {
    if (record.option.kind === 'download_extension' && record.option.duration === null) problem('option.duration', 'a download extension needs a duration');
    if (record.option.kind !== 'download_extension' && record.option.duration !== null) problem('option.duration', `a ${record.option.kind} option takes no duration`);
    if (record.optionRefs.length > 0) problem('optionRefs', 'an option cannot have options of its own');
  }

  record.prices.forEach((price, i) => {
    if (price.renewal !== null && record.subscription === null) problem(`prices[${i}].renewal`, 'only a subscription product has a renewal price');
  });
  const currencies = record.prices.map((p) => p.currency);
  const repeated = currencies.find((c, i) => currencies.indexOf(c) !== i);
  if (repeated) problem('prices', `currency ${repeated} is given twice`);

  for (const key of ['categoryIds', 'osIds', 'optionRefs', 'crossSellRefs', 'upSellRefs'] as const) {
    const ids = record[key];
    const twice = ids.find((id, i) => ids.indexOf(id) !== i);
    if (twice !== undefined) problem(key, `${twice} is listed twice`);
  }
  for (const key of ['optionRefs', 'crossSellRefs', 'upSellRefs'] as const) {
    if (record[key].includes(record.ref)) problem(key, 'a product cannot refer to itself');
  }
  return problems;
}
