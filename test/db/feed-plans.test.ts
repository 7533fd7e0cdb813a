import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { Database, Db } from '../../src/db/schema.js';
import { findFeedPage } from '../../src/domains/feeds/feeds.repository.js';
import { givenProduct } from '../support/products.js';

// How a feed page is read (issue 6: an index for every lookup): each statement one index range, none
// sorting its rows or scanning a table, whatever the catalog's size. Plans are SQLite's (EXPLAIN QUERY
// PLAN of the very statements a page runs); they do not depend on the data, so three products do.

let raw: SqliteDatabase.Database;
let db: Db;
/** Statements run, by text, with the arguments of their last run. */
const statements = new Map<string, unknown[]>();

beforeAll(async () => {
  raw = new SqliteDatabase(':memory:');
  const prepare = raw.prepare.bind(raw);
  // Every statement the page runs goes through prepare: its text and arguments are kept to be explained.
  raw.prepare = ((source: string) => {
    const statement = prepare(source);
    const all = statement.all.bind(statement);
    statement.all = ((...args: unknown[]) => {
      statements.set(source, args);
      return all(...args);
    }) as typeof statement.all;
    return statement;
  }) as typeof raw.prepare;
  db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  await migrateToLatest(db);
  for (const ref of [501, 502, 503]) await givenProduct(db, { ref, categoryIds: [7, 8, 9], osIds: [1, 2] });
});
afterAll(() => db.destroy());

function planOf(source: string): string[] {
  return raw.prepare(`explain query plan ${source}`).all(...statements.get(source)!).map((row) => (row as { detail: string }).detail);
}

describe('feed page reads', () => {
  it('reads every table of a page through one index range, without sorting or scanning', async () => {
    statements.clear();
    const page = await db.transaction().execute((tx) => findFeedPage(tx, { afterRef: 500, size: 2, listId: 1, posId: 1 }));
    expect(page.products.map((p) => p.ref)).toEqual([501, 502]);
    expect(page.products[0]!.categoryIds).toEqual([7, 8, 9]);
    const reads = [...statements.keys()].filter((source) => /^select/i.test(source));
    const tables = ['products', 'product_texts', 'product_categories', 'product_operating_systems', 'product_prices', 'product_files', 'product_relations', 'pos_prices', 'product_list_members'];
    expect(tables.filter((table) => !reads.some((source) => source.includes(`from "${table}"`)))).toEqual([]);
    const plans = reads.map((source) => ({ source, plan: planOf(source) }));
    expect(plans.filter(({ plan }) => plan.some((step) => /TEMP B-TREE|^SCAN /.test(step)))).toEqual([]);
  });

  it('reads categories and operating systems in their listed order from the index alone', async () => {
    statements.clear();
    await db.transaction().execute((tx) => findFeedPage(tx, { afterRef: 500, size: 2, listId: 1, posId: 1 }));
    const plans = [...statements.keys()].filter((source) => /from "product_(categories|operating_systems)"/.test(source)).map(planOf);
    expect(plans).toHaveLength(2);
    for (const plan of plans) expect(plan.join('\n')).toMatch(/USING COVERING INDEX product_(categories|operating_systems)_in_order/);
  });
});
