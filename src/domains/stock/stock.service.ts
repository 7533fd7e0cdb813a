import { randomInt } from 'node:crypto';
import type { CompiledQuery } from 'kysely';
import { runTogether } from '../../db/prepared.js';
import type { Tx } from '../../db/schema.js';
import { snapshotCache } from '../../db/snapshots.js';
import type { Clock } from '../../shared/clock.js';
import type { Keyring } from '../../shared/keyring.js';
import { hasUnlimitedStock, type CatalogReader, type Product } from '../catalog/index.js';
import type { PointOfSale } from '../partners/index.js';
import { importKeysWith } from './keys-import.service.js';
import { productStockStatus, serialFromPattern, statusCountCap, unitsOf, type StockStatus } from './stock.js';
import { OutOfStock } from './stock.errors.js';
import { assignFreeKeys, countFreeKeysUpTo, countPools, insertGeneratedKeys, sealedKeysOf, unassignKeys, type SealedKeyRow } from './stock.repository.js';

/**
 * Available units of each ref's key pool (floor(free keys / serials per unit)), in one query whatever
 * the number of refs; 0 for unknown refs and pools without free keys, Infinity for products that take
 * no serial per unit.
 */
export async function availableUnits(tx: Tx, refs: readonly number[]): Promise<Map<number, number>> {
  const pools = await countPools(tx, refs);
  return new Map(refs.map((ref) => {
    const pool = pools.get(ref);
    return [ref, pool ? unitsOf(pool) : 0];
  }));
}

/**
 * Stock status of each ref this POS sells (getStockStatus), read from the database in a fixed number of
 * queries whatever the number of refs (up to 100) and whatever the size of their pools. Refs the POS does
 * not sell (unknown, outside its list, not priced in its currency, end of life) are absent, so they
 * answer exactly like unknown ones.
 */
export async function readStockStatuses(catalog: CatalogReader, tx: Tx, pos: PointOfSale, refs: readonly number[]): Promise<Map<number, StockStatus>> {
  const sellable = await catalog.findSellable(tx, pos, refs);
  const pooled = [...sellable.values()].filter((p) => !hasUnlimitedStock(p));
  // Counting past the threshold cannot change the status, so a large pool costs no more than a small one.
  const free = await countFreeKeysUpTo(tx, new Map(pooled.map((p) => [p.ref, statusCountCap(p.delivery)])));
  return new Map([...sellable.values()].map((p) => {
    const units = unitsOf({ freeKeys: free.get(p.ref) ?? 0, serialsPerUnit: p.delivery.serialsPerUnit });
    return [p.ref, productStockStatus(p, units)];
  }));
}

/**
 * The products (of those given) that can serve at least one unit now: not limited by a pool, or with
 * enough free keys for a unit. Counts at most one unit's keys per pool, whatever its size.
 */
export async function canServeOneUnit(tx: Tx, products: readonly Product[]): Promise<Set<number>> {
  const pooled = products.filter((p) => !hasUnlimitedStock(p));
  const free = await countFreeKeysUpTo(tx, new Map(pooled.map((p) => [p.ref, Math.max(1, p.delivery.serialsPerUnit)])));
  return new Set(products.filter((p) => hasUnlimitedStock(p) || (free.get(p.ref) ?? 0) >= Math.max(1, p.delivery.serialsPerUnit)).map((p) => p.ref));
}

/** A key taken from a pool: its id (to tie it to a line item) and its plaintext. */
export type ClaimedKey = { id: number; key: string };

export type StockDeps = { keyring: Keyring; clock: Clock };

/** Statuses kept between commits: 100 refs of each of 100 POS. */
const STATUSES_KEPT = 10_000;

/** Rounds of drawing serials again (each already taken) before a pattern is judged too narrow. */
const MAX_SERIAL_DRAWS = 20;

/** Key pools: claims for orders, revealing keys to their buyer, imports. */
export function stockService({ keyring, clock }: StockDeps) {
  const statusesSeen = snapshotCache<string, StockStatus | null>({ maxEntries: STATUSES_KEPT });

  function openKeys(lineItemIds: readonly number[], sealed: readonly SealedKeyRow[]): Map<number, string[]> {
    const out = new Map<number, string[]>(lineItemIds.map((id) => [id, []]));
    for (const row of sealed) out.get(row.line_item_id)!.push(keyring.decrypt(row.sealed));
    return out;
  }

  /** Free keys of a product assigned to `slots` (assignFreeKeys), decrypted in key order; OutOfStock with nothing assigned when too few are free. */
  async function claimOnto(tx: Tx, productRef: number, slots: readonly (number | null)[], before: readonly CompiledQuery[] = []): Promise<(ClaimedKey & { lineItemId: number | null })[]> {
    if (slots.length === 0) return runTogether(tx, before).then(() => []);
    const at = clock.now().toISOString();
    const claimed = await assignFreeKeys(tx, productRef, slots, at, before);
    // SKIP LOCKED passes over keys other transactions hold; some may have been released since. The
    // keys taken went to the first slots: the next ones go to the rest.
    while (claimed.length < slots.length) {
      const more = await assignFreeKeys(tx, productRef, slots.slice(claimed.length), at);
      if (more.length === 0) break;
      claimed.push(...more);
    }
    if (claimed.length < slots.length) {
      await unassignKeys(tx, claimed.map((k) => k.id));
      throw new OutOfStock(productRef);
    }
    return claimed.sort((x, y) => x.id - y.id).map((k) => ({ id: k.id, key: keyring.decrypt(k.sealed), lineItemId: k.line_item_id }));
  }

  return {
    availableUnits,

    /**
     * readStockStatuses, answered from memory for a ref this POS asked about since the last commit of any
     * process, on a connection that can tell (the SQLite read connection: snapshots.ts); read from the
     * database otherwise. Partners poll stock far more often than keys are claimed or imported.
     */
    async stockStatuses(catalog: CatalogReader, tx: Tx, pos: PointOfSale, refs: readonly number[]): Promise<Map<number, StockStatus>> {
      const seen = await statusesSeen.entriesFor(tx);
      if (!seen) return readStockStatuses(catalog, tx, pos, refs);
      const out = new Map<number, StockStatus>();
      const missing: number[] = [];
      for (const ref of refs) {
        const status = seen.get(`${pos.id} ${ref}`);
        if (status === undefined) missing.push(ref);
        else if (status !== null) out.set(ref, status);
      }
      if (missing.length === 0) return out;
      const read = await readStockStatuses(catalog, tx, pos, missing);
      for (const ref of missing) {
        const status = read.get(ref);
        seen.set(`${pos.id} ${ref}`, status ?? null);
        if (status !== undefined) out.set(ref, status);
      }
      return out;
    },

    /**
     * Assigns `count` free keys of a product, oldest first, inside the caller's transaction and returns
     * them decrypted; with `lineItemId`, tied to the line item that delivers them. Never hands a key
     * out twice, whatever the concurrency. Throws OutOfStock (1044) when fewer are free, with nothing
     * assigned.
     */
    async claimKeys(tx: Tx, productRef: number, count: number, lineItemId: number | null = null): Promise<ClaimedKey[]> {
      if (!Number.isInteger(count) || count < 0) throw new RangeError(`cannot claim ${count} keys`);
      return (await claimOnto(tx, productRef, Array<number | null>(count).fill(lineItemId))).map(({ id, key }) => ({ id, key }));
    },

    /**
     * claimKeys for every unit of an order line at once (one statement, not one per unit): `perUnit`
     * keys tied to each of `lineItemIds`. Returns each line item's keys, in key order. `before`
     * (inserts returning nothing: the order's rows) run first, in the claim's statement on PostgreSQL.
     */
    async claimUnitKeys(tx: Tx, productRef: number, perUnit: number, lineItemIds: readonly number[], before: readonly CompiledQuery[] = []): Promise<Map<number, ClaimedKey[]>> {
      const out = new Map(lineItemIds.map((id) => [id, [] as ClaimedKey[]]));
      for (const { id, key, lineItemId } of await claimOnto(tx, productRef, lineItemIds.flatMap((item) => Array<number>(perUnit).fill(item)), before)) {
        out.get(lineItemId!)!.push({ id, key });
      }
      return out;
    },

    /**
     * Makes `perUnit` new serials of a product from its pattern for each of `lineItemIds`, unique per
     * product, stored (sealed) as keys already assigned to their line item, so they are revealed like
     * pooled ones: one insert for all of them, and one more per round of serials drawn again because
     * they were taken (rare). Returns each line item's serials; OutOfStock when the pattern leaves too
     * few serials untaken (after MAX_SERIAL_DRAWS rounds).
     */
    async generateUnitSerials(tx: Tx, productRef: number, pattern: string, perUnit: number, lineItemIds: readonly number[]): Promise<Map<number, ClaimedKey[]>> {
      const at = clock.now().toISOString();
      const out = new Map(lineItemIds.map((id) => [id, [] as ClaimedKey[]]));
      let wanted = lineItemIds.flatMap((id) => Array<number>(perUnit).fill(id));
      for (let round = 0; wanted.length > 0; round++) {
        // A pattern whose serials are (nearly) all taken has nothing left to sell: out of stock, as an
        // empty pool is, and the operator widens the pattern (docs/decisions.md).
        if (round > MAX_SERIAL_DRAWS) throw new OutOfStock(productRef);
        const drawn = wanted.map((lineItemId) => {
          const key = serialFromPattern(pattern, randomInt);
          return { lineItemId, key, digest: keyring.digest(key) };
        });
        const inserted = new Map((await insertGeneratedKeys(tx, drawn.map(({ lineItemId, key, digest }) => ({
          product_ref: productRef, digest, sealed: keyring.encrypt(key), imported_at: at, assigned_at: at, line_item_id: lineItemId,
        })))).map((row) => [row.digest, row.id]));
        wanted = [];
        for (const { lineItemId, key, digest } of drawn) {
          const id = inserted.get(digest);
          // A serial already stored, or drawn twice in this round (stored once): draw again.
          if (id === undefined) wanted.push(lineItemId);
          else out.get(lineItemId)!.push({ id, key });
          inserted.delete(digest);
        }
      }
      return out;
    },

    /** The keys of line items still sealed, in assignment order: what a cache may keep (openKeys reveals them). */
    findSealedKeys: sealedKeysOf,

    /**
     * The keys of line items (read with findSealedKeys), decrypted, in assignment order; a line item
     * without keys has none. Callers pass only line items of the partner asking (the buyer): keys are
     * decrypted for nobody else.
     */
    openKeys,

    importKeys: importKeysWith({ keyring, clock }),
  };
}

export type StockService = ReturnType<typeof stockService>;
