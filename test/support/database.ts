import { randomBytes } from 'node:crypto';
import type { KyselyPlugin } from 'kysely';
import pg from 'pg';
import type { Db } from '../../src/db/schema.js';

/** PostgreSQL URL the suite runs against when set (CI runs the suite once per engine). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

export const onPostgres = TEST_DATABASE_URL !== undefined && TEST_DATABASE_URL.startsWith('postgres');

/**
 * A fresh, empty place for one test app: an in-memory SQLite database (apps, CLI and servers under
 * test use a file in their data folder instead), or its own PostgreSQL schema, named after the run; the run's global teardown drops them all (test/support/global-setup.ts).
 */
export async function freshDatabase(): Promise<{ url: string; schema?: string; drop(): Promise<void> }> {
  if (!onPostgres) return { url: 'sqlite::memory:', drop: async () => {} };
  const run = process.env.RESELL_TEST_RUN ?? 'x';
  const schema = `t_${run}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  await client.query(`create schema ${schema}`);
  await client.end();
  return { url: TEST_DATABASE_URL!, schema, drop: async () => {} };
}

/** The same database, counting the queries run through it: for tests that bound round trips. */
export function countingDb(db: Db): { db: Db; count(): number } {
  let queries = 0;
  const plugin: KyselyPlugin = {
    transformQuery: (args) => args.node,
    transformResult: async (args) => { queries += 1; return args.result; },
  };
  return { db: db.withPlugin(plugin), count: () => queries };
}
