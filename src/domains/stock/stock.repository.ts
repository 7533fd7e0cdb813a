import { sql, type CompiledQuery } from 'kysely';
import { isPostgres } from '../../db/engine.js';
import { prepareQuery, runTogether } from '../../db/prepared.js';
import type { Db, Tx } from '../../db/schema.js';
import type { PoolCount } from './stock.js';

/**
 * Free keys and serials per unit of each known product of `refs`, in one grouped query whatever the
 * number of refs; unknown refs are absent, products without free keys count 0.
 */
export async function countPools(tx: Tx, refs: readonly number[]): Promise<Map<number, PoolCount>> {
  const wanted = [...new Set(refs)];
  if (wanted.length === 0) return new Map();
  const rows = await tx.selectFrom('products')
    .leftJoin('serial_keys', (join) => join
      .onRef('serial_keys.product_ref', '=', 'products.ref')
      .on('serial_keys.assigned_at', 'is', null))
    .select((eb) => ['products.ref', 'products.serials_per_unit', eb.fn.count<number | string>('serial_keys.id').as('free_keys')])
    .where('products.ref', 'in', wanted)
    .groupBy(['products.ref', 'products.serials_per_unit'])
    .execute();
  return new Map(rows.map((r) => [r.ref, { freeKeys: Number(r.free_keys), serialsPerUnit: r.serials_per_unit }]));
}

/** Compound SELECTs stay well under SQLite's limit of 500 terms. */
const MAX_UNION_TERMS = 100;

/**
 * Free keys of each ref, counted only up to its cap (min(free keys, cap)): what a stock status needs,
 * at a cost bounded by the caps rather than by the pool size. One statement for up to 100 refs.
 */
export async function countFreeKeysUpTo(tx: Tx, caps: ReadonlyMap<number, number>): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  const entries = [...caps].filter(([, cap]) => cap > 0);
  for (let start = 0; start < entries.length; start += MAX_UNION_TERMS) {
    const chunk = entries.slice(start, start + MAX_UNION_TERMS);
    const rows = await freeKeysUpTo.execute(tx, { refs: chunk.map(([ref]) => ref), caps: chunk.map(([, cap]) => cap) });
    for (const row of rows) out.set(Number(row.ref), Number(row.free_keys));
  }
  return out;
}

// Every stock status and offer runs it: compiled once per number of refs.
const freeKeysUpTo = prepareQuery((db, { refs, caps }: { refs: readonly number[]; caps: readonly number[] }) => {
  const terms = refs.map((ref, i) => db
    .selectFrom((eb) => eb.selectFrom('serial_keys').select('id')
      .where('product_ref', '=', ref).where('assigned_at', 'is', null).limit(caps[i]!).as('free'))
    // Typed, so that PostgreSQL knows the type of a parameter in a select list.
    .select((eb) => [sql<number>`cast(${ref} as integer)`.as('ref'), eb.fn.countAll<number | string>().as('free_keys')]));
  return terms.slice(1).reduce((union, term) => union.unionAll(term), terms[0]!);
});

export type NewKeyRow = { product_ref: number; digest: string; sealed: string; imported_at: string };

/** Inserts keys, skipping those whose (product, digest) is already stored; returns how many were inserted. */
export async function insertKeys(tx: Tx, rows: readonly NewKeyRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await tx.insertInto('serial_keys')
    .values([...rows])
    .onConflict((oc) => oc.columns(['product_ref', 'digest']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}

export type GeneratedKeyRow = NewKeyRow & { assigned_at: string; line_item_id: number };

/** Inserts generated serials, already assigned; returns the ids and digests of those inserted (a digest already stored is skipped). */
export async function insertGeneratedKeys(tx: Tx, rows: readonly GeneratedKeyRow[]): Promise<{ id: number; digest: string }[]> {
  if (rows.length === 0) return [];
  return tx.insertInto('serial_keys')
    .values([...rows])
    .onConflict((oc) => oc.columns(['product_ref', 'digest']).doNothing())
    .returning(['id', 'digest'])
    .execute();
}

export type SealedKey = { id: number; sealed: string };

/** A key just assigned, with the line item it went to (null when claimed for none). */
export type AssignedKey = SealedKey & { line_item_id: number | null };

/**
 * Marks free keys of a product assigned at `at`, oldest first, one per entry of `slots`: the n-th key
 * goes to the n-th entry's line item (a unit of two serials is two entries; null ties it to none).
 * One statement for all the units of an order line, whatever their number. Returns the keys taken,
 * fewer than the slots when fewer were free. On PostgreSQL the selecting subquery locks its rows and
 * skips rows other transactions hold, so two concurrent claims never take the same key; SQLite has a
 * single writer, which is enough.
 */
export async function assignFreeKeys(tx: Tx, productRef: number, slots: readonly (number | null)[], at: string, before: readonly CompiledQuery[] = []): Promise<AssignedKey[]> {
  // Keys all for one line item (a one-unit line, claimKeys) need no numbering: the simpler statement
  // costs SQLite about a third of the numbered one (a CTE, a window and an UPDATE … FROM).
  const claim = slots.every((slot) => slot === slots[0])
    ? slots.length === 1
      ? oneFreeKeyAssigned.compile(tx, { productRef, at, lineItemId: slots[0] ?? null })
      : freeKeysAssigned.compile(tx, { productRef, count: slots.length, at, lineItemId: slots[0] ?? null })
    : freeKeysAssignedInTurn.compile(tx, { productRef, count: slots.length, at, slots: JSON.stringify(slots) });
  // `before` (inserts returning nothing) run first, in the same statement on PostgreSQL (runTogether).
  return runTogether<AssignedKey>(tx, [...before, claim]);
}

type Claim = { productRef: number; count: number; at: string };

/** The oldest free keys of a product, locked on PostgreSQL (others' locked keys skipped); one writer on SQLite takes no lock. */
const oldestFree = (db: Db, { productRef, count }: Claim) => {
  const oldest = db.selectFrom('serial_keys').select('id')
    .where('product_ref', '=', productRef).where('assigned_at', 'is', null).orderBy('id').limit(count);
  return isPostgres(db) ? oldest.forUpdate().skipLocked() : oldest;
};

type ClaimFor = Claim & { lineItemId: number | null };

/** Every free key taken goes to one line item (or none). */
function keysAssigned(db: Db, { lineItemId, ...claim }: ClaimFor, single: boolean) {
  const assign = { assigned_at: claim.at, line_item_id: lineItemId };
  const taken = ['id', 'sealed', 'line_item_id'] as const;
  // One writer: no lock to take, nothing to re-check, and a plain subquery costs less than a CTE on
  // SQLite. A single key is matched with `=`: SQLite runs `IN (subquery)` on the table it updates in
  // two passes, through temporary tables of its own, about 30 µs more per claim whatever the number of keys.
  if (!isPostgres(db)) return db.updateTable('serial_keys').set(assign).where('id', single ? '=' : 'in', oldestFree(db, claim)).returning(taken);
  // Materialized: evaluated once, so the keys locked are exactly the keys updated.
  return db.with((cte) => cte('free').materialized(), () => oldestFree(db, claim))
    .updateTable('serial_keys').set(assign)
    .where('id', 'in', (eb) => eb.selectFrom('free').select('free.id'))
    // Re-checked after the lock: a key another transaction assigned meanwhile is not taken again.
    .where('assigned_at', 'is', null)
    .returning(taken);
}

// Every order line runs one of these: each compiled once per engine.
const freeKeysAssigned = prepareQuery((db, claim: ClaimFor) => keysAssigned(db, claim, false));
const oneFreeKeyAssigned = prepareQuery((db, claim: Omit<ClaimFor, 'count'>) => keysAssigned(db, { ...claim, count: 1 }, true));

const freeKeysAssignedInTurn = prepareQuery((db, { slots, ...claim }: Claim & { slots: string }) => {
  const slot = isPostgres(db)
    ? sql<number | null>`(cast(${slots} as jsonb) ->> cast(numbered.n - 1 as integer))::integer`
    : sql<number | null>`json_extract(${slots}, '$[' || (numbered.n - 1) || ']')`;
  return db.with((cte) => cte('free').materialized(), () => oldestFree(db, claim))
    // Numbered once taken (after the limit): only the few keys taken are.
    .with('numbered', (w) => w.selectFrom('free').select(['free.id', sql<number>`row_number() over (order by free.id)`.as('n')]))
    .updateTable('serial_keys')
    .from('numbered')
    .set({ assigned_at: claim.at, line_item_id: slot })
    .whereRef('serial_keys.id', '=', 'numbered.id')
    .where('serial_keys.assigned_at', 'is', null)
    .returning(['serial_keys.id', 'serial_keys.sealed', 'serial_keys.line_item_id']);
});

/** Undoes assignFreeKeys inside the same transaction (a claim that could not be served in full). */
export async function unassignKeys(tx: Tx, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.updateTable('serial_keys').set({ assigned_at: null, line_item_id: null }).where('id', 'in', [...ids]).execute();
}

export type SealedKeyRow = { id: number; line_item_id: number; sealed: string };

/** The sealed keys of line items, in assignment order. */
export async function sealedKeysOf(tx: Tx, lineItemIds: readonly number[]): Promise<SealedKeyRow[]> {
  if (lineItemIds.length === 0) return [];
  const rows = await sealedKeysOfItems.execute(tx, { lineItemIds: [...new Set(lineItemIds)] });
  return rows.map((r) => ({ id: r.id, line_item_id: r.line_item_id!, sealed: r.sealed }));
}

const sealedKeysOfItems = prepareQuery((db, { lineItemIds }: { lineItemIds: readonly number[] }) => db
  .selectFrom('serial_keys').select(['id', 'line_item_id', 'sealed']).where('line_item_id', 'in', lineItemIds).orderBy('id'));
