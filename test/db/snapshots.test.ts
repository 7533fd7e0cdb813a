import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { connectDatabase, connectReadDatabase } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { Db } from '../../src/db/schema.js';
import { generationOf, noteLocalStatement, snapshotCache, watchGenerations } from '../../src/db/snapshots.js';
import { findCacheVersion } from '../../src/db/versions.js';
import { freshDatabase, onPostgres } from '../support/database.js';

// Reads cached between commits (issue 6): on the SQLite read connection, and on PostgreSQL, what was
// read stays valid until anything is committed. A commit of this process must show at once, one of
// another process (here a connection the product did not open) from the next turn of the event loop.

let dir: string;
let place: Awaited<ReturnType<typeof freshDatabase>>;
let main: Db;
let read: Db;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resell-snapshots-'));
  place = await freshDatabase();
  const config = { engine: onPostgres ? 'postgres' as const : 'sqlite' as const, databaseUrl: place.url, sqlitePath: path.join(dir, 'resell.db') };
  main = connectDatabase(config, { schema: place.schema, poolSize: 2 });
  await migrateToLatest(main);
  read = connectReadDatabase(config, main);
});
afterEach(async () => {
  if (read !== main) await read.destroy();
  await main.destroy();
  await place.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A commit by a connection of its own, as another process makes one: a setting written. */
async function foreignCommit(key: string, value = 'x'): Promise<void> {
  if (onPostgres) {
    const client = new pg.Client({ connectionString: place.url, options: `-c search_path=${place.schema}` });
    await client.connect();
    try {
      await client.query('insert into settings (key, value) values ($1, $2) on conflict (key) do update set value = excluded.value', [key, value]);
    } finally {
      await client.end();
    }
    return;
  }
  const other = new SqliteDatabase(path.join(dir, 'resell.db'));
  try {
    other.prepare('insert into settings (key, value) values (?, ?) on conflict (key) do update set value = excluded.value').run(key, value);
  } finally {
    other.close();
  }
}

/** What PostgreSQL's snapshot is now, seen by a connection of its own; on SQLite only this test writes. */
async function clusterSnapshot(): Promise<string> {
  if (!onPostgres) return 'sqlite';
  const client = new pg.Client({ connectionString: place.url });
  await client.connect();
  try {
    return (await client.query<{ snapshot: string }>('select pg_current_snapshot()::text as snapshot')).rows[0]!.snapshot;
  } finally {
    await client.end();
  }
}

const setting = (key: string) => main.insertInto('settings').values({ key, value: 'x' }).execute();

describe(`snapshot caches on the read connection (${onPostgres ? 'PostgreSQL' : 'SQLite'})`, () => {
  it('keep an entry while nothing is committed, across turns', async () => {
    // On PostgreSQL the snapshot moves at every commit of the cluster, other test files' included: an
    // attempt counts only when a look from outside saw the same snapshot before and after it.
    for (let attempt = 0; attempt < 200; attempt++) {
      const before = await clusterSnapshot();
      const cache = snapshotCache<string, number>({ maxEntries: 10 });
      (await cache.entriesFor(read))!.set('a', 1);
      await nextTurn();
      await read.selectFrom('settings').selectAll().execute();
      const kept = (await cache.entriesFor(read))!.get('a');
      if (before !== await clusterSnapshot()) continue;
      expect(kept).toBe(1);
      return;
    }
    throw new Error('something was committed on the cluster during each of 200 attempts');
  });

  it('drop every entry at once when this process commits, in the same turn', async () => {
    const cache = snapshotCache<string, number>({ maxEntries: 10 });
    (await cache.entriesFor(read))!.set('a', 1);
    await setting('one');
    expect((await cache.entriesFor(read))!.get('a')).toBeUndefined();
  });

  it('drop every entry from the next turn on when another process commits', async () => {
    const cache = snapshotCache<string, number>({ maxEntries: 10 });
    (await cache.entriesFor(read))!.set('a', 1);
    await foreignCommit('other');
    await nextTurn();
    expect((await cache.entriesFor(read))!.get('a')).toBeUndefined();
  });

  it('do not keep what was set for a generation that a commit has ended', async () => {
    const cache = snapshotCache<string, number>({ maxEntries: 10 });
    const before = (await cache.entriesFor(read))!;
    await setting('two');
    const after = (await cache.entriesFor(read))!;
    before.set('late', 1);
    expect(after.get('late')).toBeUndefined();
    expect((await cache.entriesFor(read))!.get('late')).toBeUndefined();
  });

  it('keep at most maxEntries, the oldest going first', async () => {
    const cache = snapshotCache<string, number>({ maxEntries: 2 });
    const entries = (await cache.entriesFor(read))!;
    entries.set('a', 1);
    entries.set('b', 2);
    entries.set('c', 3);
    expect([entries.get('a'), entries.get('b'), entries.get('c')]).toEqual([undefined, 2, 3]);
  });

  it('cache nothing on SQLite\'s writing connection, which does not see its own commits (on PostgreSQL the pool is the read connection)', async () => {
    expect(read === main).toBe(onPostgres);
    if (!onPostgres) {
      expect(generationOf(main)).toBeUndefined();
      expect(await snapshotCache({ maxEntries: 10 }).entriesFor(main)).toBeUndefined();
    }
  });

  it('cache nothing on a transaction, which may hold its own writes', async () => {
    await main.transaction().execute(async (tx) => {
      expect(await snapshotCache({ maxEntries: 10 }).entriesFor(tx)).toBeUndefined();
    });
  });
});

describe('cache versions', () => {
  it('show another process\'s renewal from the next turn; on PostgreSQL a new generation brings every version, in the same statement', async () => {
    // On PostgreSQL, a pool of its own opened once the driver's queries are counted.
    const queries = vi.spyOn(pg.Client.prototype, 'query');
    const config = { engine: onPostgres ? 'postgres' as const : 'sqlite' as const, databaseUrl: place.url, sqlitePath: path.join(dir, 'resell.db') };
    const own = onPostgres ? connectDatabase(config, { schema: place.schema, poolSize: 1 }) : read;
    try {
      const versions = () => Promise.all([findCacheVersion(own, 'catalog.version'), findCacheVersion(own, 'partners.version')]);
      expect(await versions()).toEqual(['', '']);
      await foreignCommit('catalog.version', 'c1');
      await foreignCommit('partners.version', 'p1');
      await nextTurn();
      const before = queries.mock.calls.length;
      expect(await versions()).toEqual(['c1', 'p1']);
      if (onPostgres) expect(queries.mock.calls.length - before).toBe(1);
    } finally {
      queries.mockRestore();
      if (own !== read) await own.destroy();
    }
  });
});

describe('generationOf', () => {
  it('reads the data version once per turn while this process runs no statement, and again after one', async () => {
    let reads = 0;
    const db = {};
    watchGenerations(db, () => ++reads);
    expect([generationOf(db), generationOf(db), generationOf(db)]).toEqual([1, 1, 1]);
    noteLocalStatement();
    expect(generationOf(db)).toBe(2);
    await nextTurn();
    expect(generationOf(db)).toBe(3);
    expect(reads).toBe(3);
  });

  it('starts a cache\'s entries with what was read with the generation, for that generation only', async () => {
    let generation = 0;
    const db = {};
    watchGenerations(db, () => ++generation);
    const cache = snapshotCache<string, string>({ maxEntries: 10, seed: (of, at) => (of === db && at === 1 ? [['a', 'read with 1']] : undefined) });
    expect((await cache.entriesFor(db))!.get('a')).toBe('read with 1');
    noteLocalStatement();
    expect((await cache.entriesFor(db))!.get('a')).toBeUndefined();
  });
});
