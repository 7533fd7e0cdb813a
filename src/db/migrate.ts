import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import { isPostgres } from './engine.js';
import type { Db } from './schema.js';
import * as foundation from './migrations/2026-11-25T1900-foundation.js';
import * as orders from './migrations/2026-11-25T2000-orders.js';
import * as subscriptions from './migrations/2026-11-25T2100-subscriptions.js';
import * as feeds from './migrations/2026-11-25T2200-feeds.js';
import * as feedReads from './migrations/2026-11-27T0200-feed-reads.js';
import * as renewalLeases from './migrations/2026-11-27T0300-renewal-leases.js';

/** Every migration, in order; listed here rather than read from disk so the built server has them. */
const MIGRATIONS: Record<string, Migration> = {
  '2026-11-25T1900-foundation': foundation,
  '2026-11-25T2000-orders': orders,
  '2026-11-25T2100-subscriptions': subscriptions,
  '2026-11-25T2200-feeds': feeds,
  '2026-11-27T0200-feed-reads': feedReads,
  '2026-11-27T0300-renewal-leases': renewalLeases,
};

/** How many migrations the current schema has run; 0 when it has never been migrated. */
async function appliedCount(db: Db): Promise<number> {
  try {
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from schema_migrations`.execute(db);
    return Number(rows[0]?.n ?? 0);
  } catch {
    return 0;
  }
}

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/** Brings the schema up to date (forward only); returns the names of the migrations it ran. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  // Kysely's Migrator reads the columns of every schema of the database, which races with schemas
  // being dropped meanwhile (tests): an up-to-date schema needs none of it.
  if (await appliedCount(db) === Object.keys(MIGRATIONS).length) return [];
  // Kysely looks for its own tables in every schema unless told which: name the current one.
  const schema = isPostgres(db)
    ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
    : undefined;
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
    ...(schema && { migrationTableSchema: schema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
