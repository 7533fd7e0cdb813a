import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/db/connect.js';
import type { Db, Tx } from '../../src/db/schema.js';
import { groupCommit } from '../../src/db/units-of-work.js';

// Group commit (issue 6): many units of work share one SQLite commit, each still all-or-nothing and
// isolated, and none is answered before its commit.

let dir: string;
let file: string;
let db: Db;
let observer: SqliteDatabase.Database;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resell-group-'));
  file = path.join(dir, 'resell.db');
  db = connectDatabase({ engine: 'sqlite', databaseUrl: `sqlite:${file}`, sqlitePath: file });
  await sql`create table t (n integer primary key)`.execute(db);
  observer = new SqliteDatabase(file, { readonly: true });
});
afterEach(async () => {
  observer.close();
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

const insert = (n: number) => async (tx: Tx) => {
  await sql`insert into t (n) values (${n})`.execute(tx);
  return n;
};
const stored = () => (observer.prepare('select n from t order by n').all() as { n: number }[]).map((r) => r.n);

describe('group commit', () => {
  it('commits units that arrive together in a few batches, not one commit each', async () => {
    const batches: number[] = [];
    const units = groupCommit(db, { maxBatch: 64, onBatch: (size) => batches.push(size) });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => units.run(insert(i + 1))));
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(stored()).toHaveLength(50);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(50);
    expect(batches.length).toBeLessThanOrEqual(3);
  });

  it('rolls back a failing unit alone: the others of its batch are stored, it gets its own error', async () => {
    const units = groupCommit(db, { maxBatch: 64 });
    const failing = async (tx: Tx) => {
      await sql`insert into t (n) values (100)`.execute(tx);
      throw new Error('refused after writing');
    };
    const outcomes = await Promise.allSettled([units.run(insert(1)), units.run(failing), units.run(insert(2)), units.run(insert(1))]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toContain('refused after writing');
    // The duplicate key failed alone too: the constraint error reaches its unit.
    expect(String((outcomes[3] as PromiseRejectedResult).reason)).toMatch(/UNIQUE|constraint/i);
    expect(stored()).toEqual([1, 2]);
  });

  it('lets each unit see the units before it in its batch', async () => {
    const units = groupCommit(db, { maxBatch: 64 });
    const count = async (tx: Tx) => Number((await sql<{ n: number }>`select count(*) as n from t`.execute(tx)).rows[0]!.n);
    const [, seen] = await Promise.all([units.run(insert(1)), units.run(count), units.run(insert(2))]);
    expect(seen).toBe(1);
  });

  it('runs its batches on a connection that keeps temporary data, the units\' savepoint journals among it, in memory (temp_store MEMORY)', async () => {
    const units = groupCommit(db, { maxBatch: 64 });
    const setting = await units.run(async (tx) => (await sql<{ temp_store: number }>`pragma temp_store`.execute(tx)).rows[0]!.temp_store);
    // 2: MEMORY (0 is the build's default, a file).
    expect(setting).toBe(2);
  });

  it('answers a unit only once its batch is committed and visible to another connection', async () => {
    const units = groupCommit(db, { maxBatch: 64 });
    const seenAtAnswer = await Promise.all([1, 2, 3].map((n) => units.run(insert(n)).then(() => stored().includes(n))));
    expect(seenAtAnswer).toEqual([true, true, true]);
  });

  it('takes a unit that arrives while its batch runs into that batch, up to the batch size', async () => {
    const batches: number[] = [];
    const units = groupCommit(db, { maxBatch: 3, onBatch: (size) => batches.push(size) });
    const late: Promise<number>[] = [];
    // Units that arrive on a later turn of the event loop, while the first unit's batch is open.
    const first = async (tx: Tx) => {
      setImmediate(() => late.push(units.run(insert(2)), units.run(insert(3)), units.run(insert(4))));
      return insert(1)(tx);
    };
    expect(await units.run(first)).toBe(1);
    expect(await Promise.all(late)).toEqual([2, 3, 4]);
    expect(batches).toEqual([3, 1]);
    expect(stored()).toEqual([1, 2, 3, 4]);
  });
});
