// A fresh database for one scenario: a SQLite file in the scenario's data folder (the product's
// default), or a PostgreSQL schema of its own that every process reaches through the connection
// string's `options=-c search_path=<schema>` (as test/cli/cli-harness.ts does), dropped at the end.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** The database URL of a PostgreSQL schema: pg passes the `options` parameter to the server. */
export function urlWithSearchPath(url, schema) {
  const withPath = new URL(url);
  withPath.searchParams.set('options', `-c search_path=${schema}`);
  return withPath.toString();
}

/** Runs `work(client)` on a short-lived pg client of `url`. */
export async function withPg(url, work) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database: `{ env, query(sql), drop() }`. `env` is what every resell process of the scenario
 * gets (DATABASE_URL and, on PostgreSQL, the SIGNING_KEY/ENCRYPTION_KEY they must share); `query`
 * reads a value back for a check (first column of the first row); `drop` removes the PostgreSQL schema.
 */
export async function freshDatabase(engine, dataDir, postgresUrl = DEFAULT_POSTGRES_URL) {
  if (engine === 'sqlite') {
    const file = path.join(dataDir, 'resell.db');
    return {
      description: 'sqlite',
      env: { DATABASE_URL: `sqlite:${file}` },
      async query(sql) {
        const db = new Database(file, { readonly: true, fileMustExist: true });
        try {
          const row = db.prepare(sql).raw().get();
          return row?.[0];
        } finally {
          db.close();
        }
      },
      drop: async () => {},
    };
  }
  const schema = `bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withPg(postgresUrl, (client) => client.query(`create schema ${schema}`));
  const url = urlWithSearchPath(postgresUrl, schema);
  return {
    description: `postgres schema ${schema}`,
    schema,
    url,
    env: { DATABASE_URL: url, SIGNING_KEY: randomBytes(32).toString('hex'), ENCRYPTION_KEY: randomBytes(32).toString('hex') },
    async query(sql) {
      return withPg(url, async (client) => {
        const { rows } = await client.query({ text: sql, rowMode: 'array' });
        return rows[0]?.[0];
      });
    },
    drop: () => withPg(postgresUrl, (client) => client.query(`drop schema if exists ${schema} cascade`)),
  };
}

/** The server version string of PostgreSQL at `url` (for the machine description). */
export function postgresVersion(url = DEFAULT_POSTGRES_URL) {
  return withPg(url, async (client) => (await client.query('show server_version')).rows[0].server_version);
}
