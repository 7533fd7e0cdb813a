import { hasUnlimitedStock, type Product } from '../catalog/index.js';

/** getStockStatus's per-product status: 100 enough stock, 200 almost out (≤ threshold), 300 out of stock. */
export type StockStatus = 100 | 200 | 300;

/** Low-stock threshold of a product that does not set one (rules.md §Stock). */
export const DEFAULT_LOW_STOCK_THRESHOLD = 10;

/** Free, unassigned keys of a pool and the keys one unit takes. */
export type PoolCount = { freeKeys: number; serialsPerUnit: number };

/**
 * Units a key pool can serve: floor(free keys / serials per unit). A product that takes no serial
 * per unit is not limited by its pool (Infinity).
 */
export function unitsOf({ freeKeys, serialsPerUnit }: PoolCount): number {
  if (serialsPerUnit < 1) return Number.POSITIVE_INFINITY;
  return Math.floor(Math.max(0, freeKeys) / serialsPerUnit);
}

/** Status of `units` available units: 300 at 0, 200 from 1 to the threshold, 100 above. */
export function stockStatusOf(units: number, lowStockThreshold: number): StockStatus {
  if (units <= 0) return 300;
  if (units <= lowStockThreshold) return 200;
  return 100;
}

/**
 * Free keys worth counting for a stock status: one unit past the threshold already means 100, so
 * counting further cannot change the answer.
 */
export function statusCountCap({ lowStockThreshold, serialsPerUnit }: { lowStockThreshold: number; serialsPerUnit: number }): number {
  return (Math.max(0, lowStockThreshold) + 1) * Math.max(1, serialsPerUnit);
}

/**
 * Status of a product with `units` available: always 100 for products not limited by a key pool
 * (generated or no serials, pre-order, physical options), else by its own low-stock threshold.
 */
export function productStockStatus(product: Product, units: number): StockStatus {
  return hasUnlimitedStock(product) ? 100 : stockStatusOf(units, product.delivery.lowStockThreshold);
}

/**
 * Whether a change of available units is the transition that raises `stock.low`: from above the
 * threshold to at or below it. Allocation calls it with the units before and after a claim.
 */
export function reachesLowStock(unitsBefore: number, unitsAfter: number, lowStockThreshold: number): boolean {
  return unitsBefore > lowStockThreshold && unitsAfter <= lowStockThreshold;
}

/** A key as stored and compared: trimmed; undefined for a blank entry (empty or only spaces). */
export function normaliseKey(raw: string | null | undefined): string | undefined {
  const key = raw?.trim();
  return key ? key : undefined;
}

const SERIAL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * A serial from a pattern: each `X` becomes a random character of [A-Z0-9] (`pick(n)` returns an
 * integer below n), every other character is kept.
 */
export function serialFromPattern(pattern: string, pick: (n: number) => number): string {
  return pattern.replace(/X/g, () => SERIAL_ALPHABET[pick(SERIAL_ALPHABET.length)]!);
}
