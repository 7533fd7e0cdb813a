import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp, type App } from '../../src/app.js';
import { runCli } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { freshDatabase, onPostgres } from '../support/database.js';

export type CliRun = { code: number; stdout: string; stderr: string };

/**
 * A place to run `resell` commands in-process, as an operator would: its own data folder and database
 * (a SQLite file, or its own PostgreSQL schema when TEST_DATABASE_URL is set), captured streams, and
 * an App on the same database to read back what the commands stored.
 */
export type CliHarness = {
  env: Record<string, string>;
  dataDir: string;
  /** The App tests read through (and serve HTTP from); the commands open their own, as `resell` does. */
  app: App;
  run(...argv: string[]): Promise<CliRun>;
  /** Runs a `--json` command that must succeed and returns its one JSON document. */
  json<T = Record<string, unknown>>(...argv: string[]): Promise<T>;
  close(): Promise<void>;
};

/**
 * The database URL of a PostgreSQL schema: pg reads the `options` query parameter of a connection
 * string and passes it to the server, so `-c search_path=<schema>` puts every table in that schema.
 */
export function urlWithSearchPath(url: string, schema: string): string {
  const withPath = new URL(url);
  withPath.searchParams.set('options', `-c search_path=${schema}`);
  return withPath.toString();
}

/** Runs `resell <argv>` in-process with captured streams, as an operator would in `cwd`. */
export async function runResell(argv: readonly string[], env: Record<string, string>, cwd: string): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli([...argv], {
    stdout: { write: (text: string) => { stdout += text; return true; } },
    stderr: { write: (text: string) => { stderr += text; return true; } },
    env,
    cwd,
  });
  return { code, stdout, stderr };
}

/** A fresh data folder and database, migrated, with `resell` ready to run against them. */
export async function cliHarness(extraEnv: Record<string, string> = {}): Promise<CliHarness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'resell-cli-'));
  const database = await freshDatabase();
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...(onPostgres
      ? { DATABASE_URL: urlWithSearchPath(database.url, database.schema!), SIGNING_KEY: randomBytes(32).toString('hex'), ENCRYPTION_KEY: randomBytes(32).toString('hex') }
      : { DATABASE_URL: `sqlite:${path.join(dataDir, 'resell.db')}` }),
    ...extraEnv,
  };
  const app = createApp(loadConfig(env), { database: { poolSize: 2 } });
  await migrateToLatest(app.db);
  const run = async (...argv: string[]): Promise<CliRun> => runResell(argv, env, dataDir);
  return {
    env,
    dataDir,
    app,
    run,
    async json<T>(...argv: string[]): Promise<T> {
      const result = await run(...argv);
      if (result.code !== 0) throw new Error(`resell ${argv.join(' ')} ended with ${result.code}: ${result.stderr}`);
      return JSON.parse(result.stdout) as T;
    },
    async close() {
      await app.close();
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let nameCount = 0;

/** A partner name no other test of the file uses. */
export function uniqueName(prefix = 'Shop'): string {
  return `${prefix} ${++nameCount} ${randomBytes(3).toString('hex')}`;
}

/** A bare product (with its publisher) so price overrides have something to point at. */
export async function givenProduct(app: App, ref: number): Promise<number> {
  const publisherId = ref;
  const now = '2026-06-15T10:00:00.000Z';
  await app.db.insertInto('publishers').values({ id: publisherId, name: `Publisher ${ref}`, must_propose_dvd: 0 }).execute();
  await app.db.insertInto('products').values({
    ref, publisher_id: publisherId, type: 1, status: 'active', release_date: null, version: null, number_of_users: null,
    license_lifetime: null, ean: null, drm: null, keywords: null, flag_new: 0, flag_top: 0, flag_promo: 0,
    image_small: null, image_medium: null, image_big: null, screenshots: '[]', memory_mb: null, disk_mb: null,
    serials_per_unit: 1, serial_source: 'pool', serial_pattern: null, low_stock_threshold: 5, remark: null,
    digital_locker_link: null, download_manager: 0, new_serial_each_term: 0, subscription_period: null,
    option_kind: null, option_duration: null, created_at: now, updated_at: now,
  }).execute();
  return ref;
}
