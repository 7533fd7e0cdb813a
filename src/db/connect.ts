import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, type DatabaseConnection, type Driver, type PostgresPool, type SqliteDialectConfig } from 'kysely';
import pg from 'pg';
import type { Config } from '../config.js';
import { setWithin } from '../shared/bounded-map.js';
import { isPreparedSql } from './prepared.js';
import type { Database, Db } from './schema.js';
import { noteLocalStatement, watchGenerations } from './snapshots.js';
import { readGenerationWithVersions } from './versions.js';
import { groupCommit, transactionPerUnit, type UnitsOfWork } from './units-of-work.js';

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
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: withNamedStatements(pool) }) });
    watchGenerations(db, () => readGenerationWithVersions(db));
    return db;
  }
  return new Kysely({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(openSqlite(config.sqlitePath), noteLocalStatement) }) });
}

/** Statements that cannot write; every other one counts as a possible change (snapshots.ts). */
const READS = /^\s*select\b/i;

/** Statement names a pool hands out at most: a bound whatever the prepared queries compile over time. */
const NAMED_STATEMENTS = 5000;

/**
 * A pool whose connections run the SQL of prepared queries (`prepareQuery`: the statements request
 * paths run at every call) as named statements: PostgreSQL parses and plans each once per connection
 * instead of at every call. Other statements (imports, administration) run unnamed, as before.
 * Every statement that may write is noted once answered, for the caches kept between commits.
 */
function withNamedStatements(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const patched = new WeakSet<pg.PoolClient>();
  const nameOf = (text: string): string | undefined => {
    if (!isPreparedSql(text)) return undefined;
    let name = names.get(text);
    if (name === undefined && names.size < NAMED_STATEMENTS) {
      name = `resell_${names.size + 1}`;
      names.set(text, name);
    }
    return name;
  };
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  return {
    end: () => pool.end(),
    async connect() {
      const client = await connect();
      if (!patched.has(client)) {
        patched.add(client);
        const query = client.query.bind(client) as (config: unknown, values?: unknown, callback?: unknown) => Promise<pg.QueryResult>;
        client.query = ((text: unknown, values?: unknown[], callback?: unknown) => {
          // Kysely passes SQL text and values and takes a promise; anything else passes through as sent.
          if (typeof text !== 'string' || callback !== undefined || typeof values === 'function') return query(text, values, callback);
          const name = values !== undefined && values.length > 0 ? nameOf(text) : undefined;
          const result = name === undefined ? query(text, values) : query({ name, text, values });
          return READS.test(text) ? result : result.finally(noteLocalStatement);
        }) as typeof client.query;
      }
      return client;
    },
  };
}

/** Prepared statements kept per connection: enough for every query shape the server runs. */
const STATEMENT_CACHE_SIZE = 2000;

/**
 * A SQLite connection that prepares each distinct SQL text once (Kysely prepares every query it runs,
 * and parsing and planning the SQL cost as much as running it). Least recently used statements go
 * first; a statement still being iterated is not shared. `beforeStatement` runs before each one.
 */
function withStatementCache(db: SqliteDatabase.Database, beforeStatement?: () => void): SqliteDialectConfig['database'] {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => db.close(),
    // Kysely prepares every statement it runs, just before running it.
    prepare(sql: string) {
      beforeStatement?.();
      const cached = cache.get(sql);
      if (cached && !cached.busy) {
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = db.prepare(sql);
      if (!cached) setWithin(cache, sql, statement, STATEMENT_CACHE_SIZE);
      return statement;
    },
  } as SqliteDialectConfig['database'];
}

/** Units of work in a batch: bounds the wait of a unit that arrives behind a full batch. */
const MAX_GROUP_COMMIT = 64;

/** How units of work run: grouped commits on SQLite (one writer, fsync per commit), a transaction each on PostgreSQL. */
export function unitsOfWorkFor(config: Pick<Config, 'engine'>, db: Db): UnitsOfWork {
  return config.engine === 'postgres' ? transactionPerUnit(db) : groupCommit(db, { maxBatch: MAX_GROUP_COMMIT });
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
  const read = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(db) }) });
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  watchGenerations(read, () => dataVersion.get() as number);
  return read;
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
  // Checkpoints run inside a commit: fewer, larger ones copy a page rewritten by many orders only once.
  db.pragma('wal_autocheckpoint = 10000');
  // Savepoint and statement journals (each unit of a group commit is a savepoint) in memory: in a
  // temporary file they cost two system calls per page a unit changed (bench/README.md item 33).
  db.pragma('temp_store = MEMORY');
  return db;
}
