import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/domains/audit/index.js';
import { catalogReader } from '../../src/domains/catalog/index.js';
import { countingDb } from '../support/database.js';
import { availableUnits, KeysImportInterrupted, OutOfStock, readStockStatuses, type ClaimedKey, type KeyImportCounts } from '../../src/domains/stock/index.js';
import { Refusal } from '../../src/shared/errors.js';
import { givenKeys, givenProduct, makeKeys } from '../support/products.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const claim = (ref: number, count: number) => t.app.db.transaction().execute((tx) => t.app.stock.claimKeys(tx, ref, count));

async function freeKeyCount(ref: number): Promise<number> {
  const row = await t.app.db.selectFrom('serial_keys').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('product_ref', '=', ref).where('assigned_at', 'is', null).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The same database, counting the statements executed through it (one result each). */
describe('availableUnits', () => {
  it('answers many refs in one query: floor(free keys / serials per unit), 0 without keys or for unknown refs', async () => {
    const single = (await givenProduct(t.app.db)).ref;
    const pairs = (await givenProduct(t.app.db, { serialsPerUnit: 2 })).ref;
    const empty = (await givenProduct(t.app.db)).ref;
    await givenKeys(t.app, single, 3);
    await givenKeys(t.app, pairs, 5);
    const counting = countingDb(t.app.db);
    const units = await availableUnits(counting.db, [single, pairs, empty, 999_999]);
    expect(counting.count()).toBe(1);
    expect(Object.fromEntries(units)).toEqual({ [single]: 3, [pairs]: 2, [empty]: 0, 999999: 0 });
  });
});

describe('readStockStatuses', () => {
  it('costs the same number of queries for 100 refs as for 1', async () => {
    const partner = await t.given.partner();
    const pos = await t.app.partners.getPointOfSale(t.app.db, partner.posId);
    const refs: number[] = [];
    for (let i = 0; i < 100; i++) refs.push((await givenProduct(t.app.db, { categoryIds: [10 + (i % 3)], osIds: [1] })).ref);
    await givenKeys(t.app, refs[0]!, 3);
    const one = countingDb(t.app.db);
    // Each with a cold product cache: the count is that of reading the products too.
    await readStockStatuses(catalogReader({ maxProducts: 1000 }), one.db, pos, refs.slice(0, 1));
    const hundred = countingDb(t.app.db);
    const statuses = await readStockStatuses(catalogReader({ maxProducts: 1000 }), hundred.db, pos, refs);
    expect(statuses.size).toBe(100);
    expect(hundred.count()).toBe(one.count());
  });
});

describe('claimKeys', () => {
  it('hands out the oldest free keys, decrypted, and marks them assigned', async () => {
    const { ref } = await givenProduct(t.app.db);
    const keys = await givenKeys(t.app, ref, 5);
    const claimed = await claim(ref, 3);
    expect(claimed.map((k) => k.key)).toEqual(keys.slice(0, 3));
    expect(await freeKeyCount(ref)).toBe(2);
    const rows = await t.app.db.selectFrom('serial_keys').select(['id', 'assigned_at']).where('id', 'in', claimed.map((k) => k.id)).execute();
    expect(rows.every((r) => r.assigned_at === t.clock.now().toISOString())).toBe(true);
  });

  it('claims single keys oldest first, then refuses once none is free, assigning nothing', async () => {
    const { ref } = await givenProduct(t.app.db);
    const keys = await givenKeys(t.app, ref, 2);
    expect((await claim(ref, 1)).map((k) => k.key)).toEqual([keys[0]]);
    expect((await claim(ref, 1)).map((k) => k.key)).toEqual([keys[1]]);
    await expect(claim(ref, 1)).rejects.toBeInstanceOf(OutOfStock);
    expect(await freeKeyCount(ref)).toBe(0);
  });

  it('refuses with 1044 when one key short, and assigns nothing', async () => {
    const { ref } = await givenProduct(t.app.db);
    await givenKeys(t.app, ref, 2);
    const refusal = await claim(ref, 3).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(OutOfStock);
    expect(refusal).toBeInstanceOf(Refusal);
    expect((refusal as Refusal).code).toBe(1044);
    expect(await freeKeyCount(ref)).toBe(2);
  });

  it('leaves nothing assigned even when the caller catches the refusal and commits', async () => {
    const { ref } = await givenProduct(t.app.db);
    await givenKeys(t.app, ref, 2);
    await t.app.db.transaction().execute(async (tx) => {
      await expect(t.app.stock.claimKeys(tx, ref, 3)).rejects.toBeInstanceOf(OutOfStock);
    });
    expect(await freeKeyCount(ref)).toBe(2);
  });

  it('never takes keys of another product', async () => {
    const a = (await givenProduct(t.app.db)).ref;
    const b = (await givenProduct(t.app.db)).ref;
    await givenKeys(t.app, a, 1);
    const keysOfB = await givenKeys(t.app, b, 3);
    await expect(claim(a, 2)).rejects.toBeInstanceOf(OutOfStock);
    expect((await claim(b, 3)).map((k) => k.key)).toEqual(keysOfB);
  });

  it('never hands out the same key twice to concurrent claims of one key each: total equals the supply', async () => {
    const { ref } = await givenProduct(t.app.db);
    await givenKeys(t.app, ref, 10);
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => claim(ref, 1)));
    const claimed = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.every((r) => (r as PromiseRejectedResult).reason instanceof OutOfStock)).toBe(true);
    expect(claimed).toHaveLength(10);
    expect(new Set(claimed.map((k) => k.id)).size).toBe(10);
    expect(new Set(claimed.map((k) => k.key)).size).toBe(10);
    expect(await freeKeyCount(ref)).toBe(0);
  });

  it('serves concurrent multi-key claims whole or not at all, each key once, never beyond the supply', async () => {
    const { ref } = await givenProduct(t.app.db);
    await givenKeys(t.app, ref, 25);
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => claim(ref, 3)));
    const served = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const claimed: ClaimedKey[] = served.flat();
    expect(served.every((keys) => keys.length === 3)).toBe(true);
    expect(served.length).toBeLessThanOrEqual(8);
    expect(new Set(claimed.map((k) => k.id)).size).toBe(claimed.length);
    expect(await freeKeyCount(ref)).toBe(25 - claimed.length);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof OutOfStock)).toBe(true);
  });

  it('claims nothing for a count of 0', async () => {
    const { ref } = await givenProduct(t.app.db);
    expect(await claim(ref, 0)).toEqual([]);
  });
});

describe('claimKeys onto a line item, findSealedKeys and openKeys', () => {
  it('reveals the keys of each line item, decrypted, in assignment order', async () => {
    const { ref } = await givenProduct(t.app.db, { serialsPerUnit: 2 });
    const keys = await givenKeys(t.app, ref, 4);
    await t.app.db.transaction().execute(async (tx) => {
      await t.app.stock.claimKeys(tx, ref, 2, 501);
      await t.app.stock.claimKeys(tx, ref, 2, 502);
    });
    const revealed = t.app.stock.openKeys([502, 501, 503], await t.app.stock.findSealedKeys(t.app.db, [502, 501, 503]));
    expect(Object.fromEntries(revealed)).toEqual({ 501: keys.slice(0, 2), 502: keys.slice(2), 503: [] });
  });

  it('ties exactly the keys it claims, and none when it cannot be served whole, even when the caller commits', async () => {
    const { ref } = await givenProduct(t.app.db);
    const keys = await givenKeys(t.app, ref, 3);
    const [first] = await t.app.db.transaction().execute((tx) => t.app.stock.claimKeys(tx, ref, 1, 601));
    await t.app.db.transaction().execute(async (tx) => {
      await expect(t.app.stock.claimKeys(tx, ref, 3, 602)).rejects.toBeInstanceOf(OutOfStock);
    });
    expect(first!.key).toBe(keys[0]);
    expect(await freeKeyCount(ref)).toBe(2);
    const ids = [601, 602];
    expect(Object.fromEntries(t.app.stock.openKeys(ids, await t.app.stock.findSealedKeys(t.app.db, ids)))).toEqual({ 601: [keys[0]], 602: [] });
  });
});

describe('claimUnitKeys', () => {
  it('gives each unit of a line its keys, oldest first, in one statement whatever the number of units', async () => {
    const { ref } = await givenProduct(t.app.db, { serialsPerUnit: 2 });
    const keys = await givenKeys(t.app, ref, 7);
    const counting = countingDb(t.app.db);
    const claimed = await counting.db.transaction().execute((tx) => t.app.stock.claimUnitKeys(tx, ref, 2, [701, 702, 703]));
    expect(Object.fromEntries([...claimed].map(([unit, unitKeys]) => [unit, unitKeys.map((k) => k.key)]))).toEqual({ 701: keys.slice(0, 2), 702: keys.slice(2, 4), 703: keys.slice(4, 6) });
    expect(counting.count()).toBe(1);
    const ids = [701, 702, 703];
    expect(Object.fromEntries(t.app.stock.openKeys(ids, await t.app.stock.findSealedKeys(t.app.db, ids)))).toEqual({ 701: keys.slice(0, 2), 702: keys.slice(2, 4), 703: keys.slice(4, 6) });
  });

  it('takes nothing for any unit when the line cannot be served whole (1044)', async () => {
    const { ref } = await givenProduct(t.app.db, { serialsPerUnit: 2 });
    await givenKeys(t.app, ref, 5);
    await t.app.db.transaction().execute(async (tx) => {
      await expect(t.app.stock.claimUnitKeys(tx, ref, 2, [711, 712, 713])).rejects.toBeInstanceOf(OutOfStock);
    });
    expect(await freeKeyCount(ref)).toBe(5);
  });
});

describe('generateUnitSerials', () => {
  it('gives every unit distinct serials of the pattern, drawing again those already taken, each stored on its unit', async () => {
    const { ref } = await givenProduct(t.app.db, { serialSource: 'generated', serialPattern: 'G-X', serialsPerUnit: 2 });
    const units = Array.from({ length: 10 }, (_, i) => 801 + i);
    // 20 of the pattern's 36 serials: drawn at random, some collide and are drawn again.
    const made = await t.app.db.transaction().execute((tx) => t.app.stock.generateUnitSerials(tx, ref, 'G-X', 2, units));
    const serials = [...made.values()].flat().map((k) => k.key);
    expect([...made.values()].map((keys) => keys.length)).toEqual(units.map(() => 2));
    expect(new Set(serials).size).toBe(20);
    for (const serial of serials) expect(serial).toMatch(/^G-[A-Z0-9]$/);
    expect(Object.fromEntries(t.app.stock.openKeys(units, await t.app.stock.findSealedKeys(t.app.db, units))))
      .toEqual(Object.fromEntries([...made].map(([unit, keys]) => [unit, keys.map((k) => k.key)])));
  });

  it('stores the serials of all the units in one insert when none is drawn twice', async () => {
    const { ref } = await givenProduct(t.app.db, { serialSource: 'generated', serialPattern: 'XXXX-XXXX-XXXX-XXXX', serialsPerUnit: 2 });
    const counting = countingDb(t.app.db);
    const made = await counting.db.transaction().execute((tx) => t.app.stock.generateUnitSerials(tx, ref, 'XXXX-XXXX-XXXX-XXXX', 2, [821, 822, 823, 824, 825]));
    expect([...made.values()].flat()).toHaveLength(10);
    expect(counting.count()).toBe(1);
  });

  it('is out of stock (1044), storing nothing, when the pattern has fewer serials than the units need', async () => {
    const { ref } = await givenProduct(t.app.db, { serialSource: 'generated', serialPattern: 'X' });
    const made = t.app.db.transaction().execute((tx) => t.app.stock.generateUnitSerials(tx, ref, 'X', 1, Array.from({ length: 37 }, (_, i) => 901 + i)));
    await expect(made).rejects.toEqual(expect.objectContaining({ name: 'OutOfStock', code: 1044, productRef: ref }));
    const stored = await t.app.db.selectFrom('serial_keys').select('id').where('product_ref', '=', ref).execute();
    expect(stored).toEqual([]);
  });
});

describe('importKeys in batches', () => {
  async function* failingAfter(keys: string[]): AsyncGenerator<string> {
    yield* keys;
    throw new Error('disk went away');
  }

  it('commits batch by batch, reporting running counts, and finds duplicates across batches', async () => {
    const { ref } = await givenProduct(t.app.db);
    const keys = makeKeys(7);
    const progress: KeyImportCounts[] = [];
    const counts = await t.app.stock.importKeys(t.app.db, ref, [...keys, '', keys[0]!, ` ${keys[6]!} `], {
      actor: 'test', batchSize: 3, onProgress: (c) => progress.push({ ...c }),
    });
    expect(counts).toEqual({ inserted: 7, duplicates: 2, blank: 1 });
    expect(progress.map((c) => c.inserted)).toEqual([3, 6, 7]);
    expect(await availableUnits(t.app.db, [ref])).toEqual(new Map([[ref, 7]]));
  });

  it('keeps the committed batches and says how many when reading fails part-way', async () => {
    const { ref } = await givenProduct(t.app.db);
    const failure = await t.app.stock.importKeys(t.app.db, ref, failingAfter(makeKeys(5)), { actor: 'test', batchSize: 2 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(KeysImportInterrupted);
    expect((failure as KeysImportInterrupted).counts).toEqual({ inserted: 4, duplicates: 0, blank: 0 });
    expect(await freeKeyCount(ref)).toBe(4);
    const entry = (await listAudit(t.app.db, 20)).find((e) => e.subject === `product:${ref}`);
    expect(entry).toMatchObject({ action: 'keys.import_interrupted', detail: { inserted: 4, duplicates: 0, blank: 0 } });
  });

  it('stores nothing and audits nothing when reading fails before the first batch is committed', async () => {
    const { ref } = await givenProduct(t.app.db);
    await expect(t.app.stock.importKeys(t.app.db, ref, failingAfter(makeKeys(1)), { actor: 'test', batchSize: 2 })).rejects.toThrow('disk went away');
    expect(await freeKeyCount(ref)).toBe(0);
    expect((await listAudit(t.app.db, 50)).some((e) => e.subject === `product:${ref}`)).toBe(false);
  });
});

describe('readStockStatuses on a large pool', () => {
  it('answers 100 and 200 right at the edge of the counting cap', async () => {
    const partner = await t.given.partner();
    const pos = await t.app.partners.getPointOfSale(t.app.db, partner.posId);
    const above = (await givenProduct(t.app.db, { serialsPerUnit: 2, lowStockThreshold: 3 })).ref;
    const at = (await givenProduct(t.app.db, { serialsPerUnit: 2, lowStockThreshold: 3 })).ref;
    await givenKeys(t.app, above, 500);
    await givenKeys(t.app, at, 7);
    expect(await readStockStatuses(t.app.catalogReader, t.app.db, pos, [above, at])).toEqual(new Map([[above, 100], [at, 200]]));
  });
});
