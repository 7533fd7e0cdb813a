import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { prepareQuery, runTogether } from '../../src/db/prepared.js';
import { freshDatabase, onPostgres } from '../support/database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Queries compiled once (issue 6): the hot paths build each query shape once per engine, then run it
// with new arguments. Runs on the suite's engine (SQLite, or PostgreSQL in CI's second pass).

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  await t.app.db.insertInto('settings').values([
    { key: 'prepared.a', value: 'first' }, { key: 'prepared.b', value: 'second' }, { key: 'prepared.c', value: 'third' },
  ]).execute();
});
afterAll(() => t.close());

describe('prepared queries', () => {
  it('builds a query once and runs it with each call\'s arguments', async () => {
    let builds = 0;
    const valueOf = prepareQuery((db, { key }: { key: string }) => {
      builds += 1;
      return db.selectFrom('settings').select('value').where('key', '=', key);
    });
    expect(await valueOf.executeTakeFirst(t.app.db, { key: 'prepared.a' })).toEqual({ value: 'first' });
    expect(await valueOf.executeTakeFirst(t.app.db, { key: 'prepared.b' })).toEqual({ value: 'second' });
    expect(await valueOf.executeTakeFirst(t.app.db, { key: 'prepared.none' })).toBeUndefined();
    expect(builds).toBe(1);
  });

  it('compiles once per length of a list argument, each length with its own values', async () => {
    let builds = 0;
    const valuesOf = prepareQuery((db, { keys }: { keys: readonly string[] }) => {
      builds += 1;
      return db.selectFrom('settings').select('value').where('key', 'in', keys).orderBy('value');
    });
    const values = async (keys: string[]) => (await valuesOf.execute(t.app.db, { keys })).map((r) => r.value);
    expect(await values(['prepared.a'])).toEqual(['first']);
    expect(await values(['prepared.b', 'prepared.c'])).toEqual(['second', 'third']);
    expect(await values(['prepared.a', 'prepared.c'])).toEqual(['first', 'third']);
    expect(await values(['prepared.c'])).toEqual(['third']);
    expect(builds).toBe(2);
  });

  it('keeps a bounded number of compiled lengths, compiling a forgotten one again when it returns', async () => {
    let builds = 0;
    const valuesOf = prepareQuery((db, { keys }: { keys: readonly string[] }) => {
      builds += 1;
      return db.selectFrom('settings').select('value').where('key', 'in', keys);
    });
    for (let length = 1; length <= 70; length++) await valuesOf.execute(t.app.db, { keys: Array(length).fill('prepared.a') });
    expect(builds).toBe(70);
    expect(await valuesOf.execute(t.app.db, { keys: Array(70).fill('prepared.a') })).toEqual([{ value: 'first' }]);
    expect(builds).toBe(70);
    expect(await valuesOf.execute(t.app.db, { keys: ['prepared.a'] })).toEqual([{ value: 'first' }]);
    expect(builds).toBe(71);
  });

  it('uses the same argument twice, as a limit, and inside a transaction', async () => {
    const after = prepareQuery((db, { from, limit }: { from: string; limit: number }) => db
      .selectFrom('settings').select('key').where('key', '>=', from).where('key', '!=', from).where('key', 'like', 'prepared.%').orderBy('key').limit(limit));
    const keys = await t.app.db.transaction().execute((tx) => after.execute(tx, { from: 'prepared.', limit: 2 }));
    expect(keys.map((r) => r.key)).toEqual(['prepared.a', 'prepared.b']);
    expect((await after.execute(t.app.db, { from: 'prepared.a', limit: 5 })).map((r) => r.key)).toEqual(['prepared.b', 'prepared.c']);
  });

  it('leaves an undefined argument out of the query, as an insert leaves out an undefined column', async () => {
    const newEntry = prepareQuery((db, row: { at: string; actor: string; action: string; subject: string; detail: string; id?: number }) => db
      .insertInto('audit_log').values(row).returning('id'));
    const entry = { at: '2026-11-26T00:00:00.000Z', actor: 'test', action: 'prepared', subject: 's', detail: '{}' };
    const first = await newEntry.executeTakeFirst(t.app.db, { ...entry, id: undefined });
    const second = await newEntry.executeTakeFirst(t.app.db, { ...entry, id: 987654 });
    expect(first!.id).toBeGreaterThan(0);
    expect(second).toEqual({ id: 987654 });
  });

  it('refuses to build a query that makes text of an argument instead of passing it as a value', async () => {
    const misuse = prepareQuery((db, { key }: { key: string }) => db.selectFrom('settings').select('value').where('key', '=', `${key}.x`));
    await expect(misuse.execute(t.app.db, { key: 'prepared' })).rejects.toThrow(/"key" used other than as a value/);
  });

  it('counts the rows an update changed', async () => {
    const rename = prepareQuery((db, { from, to }: { from: string; to: string }) => db.updateTable('settings').set({ value: to }).where('value', '=', from));
    expect(await rename.executeChanges(t.app.db, { from: 'third', to: 'third' })).toBe(1);
    expect(await rename.executeChanges(t.app.db, { from: 'nothing', to: 'x' })).toBe(0);
  });

  it('runs inserts together, each row with its own values, as one kept statement on PostgreSQL', async () => {
    const place = await freshDatabase();
    const db = connectDatabase({ engine: onPostgres ? 'postgres' : 'sqlite', databaseUrl: place.url, sqlitePath: ':memory:' }, { schema: place.schema, poolSize: 1 });
    try {
      await migrateToLatest(db);
      const setting = prepareQuery((q, row: { key: string; value: string }) => q.insertInto('settings').values(row));
      const audit = prepareQuery((q, row: { at: string; actor: string; action: string; subject: string; detail: string }) => q.insertInto('audit_log').values(row));
      const entry = (n: number) => ({ at: `2026-11-26T00:00:0${n}.000Z`, actor: `actor ${n}`, action: `action ${n}`, subject: `subject ${n}`, detail: `{"n":${n}}` });
      for (const n of [1, 2]) {
        await db.transaction().execute((tx) => runTogether(tx, [
          setting.compile(tx, { key: `together.${n}.a`, value: `a${n}` }), audit.compile(tx, entry(n)), setting.compile(tx, { key: `together.${n}.b`, value: `b${n}` }),
        ]));
      }
      const settings = await db.selectFrom('settings').select(['key', 'value']).where('key', 'like', 'together.%').orderBy('key').execute();
      expect(settings).toEqual([
        { key: 'together.1.a', value: 'a1' }, { key: 'together.1.b', value: 'b1' }, { key: 'together.2.a', value: 'a2' }, { key: 'together.2.b', value: 'b2' },
      ]);
      expect(await db.selectFrom('audit_log').select(['at', 'actor', 'action', 'subject', 'detail']).orderBy('at').execute()).toEqual([entry(1), entry(2)]);
      if (onPostgres) {
        const named = (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db)).rows.map((r) => r.statement);
        expect(named.filter((text) => text.startsWith('with "together_0" as (insert into "settings"'))).toHaveLength(1);
      }
    } finally {
      await db.destroy();
      await place.drop();
    }
  });

  it('returns the rows of the last statement run together, whose own WITH parts join the list', async () => {
    await t.app.db.insertInto('settings').values({ key: 'returning.x', value: 'x' }).execute();
    const setting = prepareQuery((q, row: { key: string; value: string }) => q.insertInto('settings').values(row));
    const renamed = prepareQuery((q, { like, suffix }: { like: string; suffix: string }) => q
      .with('wanted', (w) => w.selectFrom('settings').select('key').where('key', 'like', like))
      .updateTable('settings').set((eb) => ({ value: eb('value', '||', suffix) }))
      .where('key', 'in', (eb) => eb.selectFrom('wanted').select('wanted.key'))
      .returning(['key', 'value']));
    const rows = await t.app.db.transaction().execute((tx) => runTogether<{ key: string; value: string }>(tx, [
      setting.compile(tx, { key: 'returning.a', value: 'a' }), renamed.compile(tx, { like: 'returning.x%', suffix: '!' }),
    ]));
    expect(rows).toEqual([{ key: 'returning.x', value: 'x!' }]);
    expect(await t.app.db.selectFrom('settings').select(['key', 'value']).where('key', 'like', 'returning.%').orderBy('key').execute())
      .toEqual([{ key: 'returning.a', value: 'a' }, { key: 'returning.x', value: 'x!' }]);
  });

  it('leaves none of the inserts run together when one of them fails, with the transaction', async () => {
    const setting = prepareQuery((q, row: { key: string; value: string }) => q.insertInto('settings').values(row));
    const together = t.app.db.transaction().execute((tx) => runTogether(tx, [
      setting.compile(tx, { key: 'together.fails.a', value: 'a' }), setting.compile(tx, { key: 'prepared.a', value: 'taken' }),
    ]));
    await expect(together).rejects.toThrow();
    expect(await t.app.db.selectFrom('settings').select('value').where('key', 'in', ['together.fails.a', 'prepared.a']).execute()).toEqual([{ value: 'first' }]);
  });

  it('runs as a statement PostgreSQL keeps prepared on the connection, while other queries run unnamed', async () => {
    const place = await freshDatabase();
    // One connection, so the statements listed are those of the connection the queries ran on.
    const db = connectDatabase({ engine: onPostgres ? 'postgres' : 'sqlite', databaseUrl: place.url, sqlitePath: ':memory:' }, { schema: place.schema, poolSize: 1 });
    try {
      await migrateToLatest(db);
      await db.insertInto('settings').values({ key: 'named.a', value: 'kept' }).execute();
      const valueOf = prepareQuery((q, { key }: { key: string }) => q.selectFrom('settings').select('value').where('key', '=', key));
      const compiled = db.selectFrom('settings').select('value').where('key', '=', 'named.a').compile().sql;
      expect(await valueOf.executeTakeFirst(db, { key: 'named.a' })).toEqual({ value: 'kept' });
      expect(await valueOf.executeTakeFirst(db, { key: 'named.a' })).toEqual({ value: 'kept' });
      const adHoc = db.selectFrom('settings').select('key').where('value', '=', 'kept');
      expect(await adHoc.execute()).toEqual([{ key: 'named.a' }]);
      if (onPostgres) {
        const named = (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db)).rows.map((r) => r.statement);
        expect(named).toContain(compiled);
        expect(named).not.toContain(adHoc.compile().sql);
      }
    } finally {
      await db.destroy();
      await place.drop();
    }
  });
});
