import { PostgresAdapter } from 'kysely';

/**
 * Whether a Kysely instance (or transaction) runs on PostgreSQL: the one test of the engine for the
 * few statements that differ (auto-numbered keys in migrations, locking key claims, feed pages).
 */
export function isPostgres(db: { getExecutor(): { adapter: object } }): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
