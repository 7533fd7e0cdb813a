import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, type DatabaseConnection, type Driver } from 'kysely';
import pg from 'pg';
import type { Config } from '../config.js';
import type { Db } from './schema.js';

// int8 (bigint money, counts) as numbers: every stored value is far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

export type DatabaseOptions = {
  /** PostgreSQL schema to work in (tests give each file its own). */
  schema?: string;
  /** Pool size on PostgreSQL. */
  poolSize?: number;
};

/** Opens the configured database: the only place that knows which driver is behind Kysely. */
export function connectDatabase(config: Pick<Config, 'engine' | 'databaseUrl' | 'sqlitePath'>, options: DatabaseOptions = {}): Db {
  if (config.engine === 'postgres') {
    const pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: options.poolSize ?? 10,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    return new Kysely({ dialect: new PostgresDialect({ pool }) });
  }
  return new Kysely({ dialect: new ImmediateSqliteDialect({ database: openSqlite(config.sqlitePath) }) });
}

/**
 * The connection long reads (feeds) use: on SQLite a second, read-only connection to the same file,
 * so keyset pages never queue behind the writers' connection; on PostgreSQL (and for an in-memory
 * SQLite database, which a second connection cannot see) the main one.
 */
export function connectReadDatabase(config: Pick<Config, 'engine' | 'sqlitePath'>, main: Db): Db {
  if (config.engine === 'postgres' || config.sqlitePath === ':memory:') return main;
  const db = new SqliteDatabase(config.sqlitePath, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 10000');
  return new Kysely({ dialect: new SqliteDialect({ database: db }) });
}

/**
 * SQLite transactions that take the write lock when they begin (`BEGIN IMMEDIATE`). A deferred
 * transaction that reads and then writes fails at once with SQLITE_BUSY when another process (a CLI
 * command beside the server) committed in between; an immediate one waits out the busy timeout.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}

/** SQLite as the product runs it: WAL, durable commits, and writers that wait rather than fail. */
export function openSqlite(file: string): SqliteDatabase.Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new SqliteDatabase(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 10000');
  return db;
}
