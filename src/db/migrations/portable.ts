import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import { isPostgres } from '../engine.js';

// Migrations learn the engine here too: only the auto-numbered primary key differs.
export { isPostgres };

/** An auto-numbered integer primary key on either engine (identity on PostgreSQL, rowid on SQLite). */
export function autoId(db: Kysely<unknown>): (col: ColumnDefinitionBuilder) => ColumnDefinitionBuilder {
  return isPostgres(db)
    ? (col) => col.primaryKey().generatedByDefaultAsIdentity()
    : (col) => col.primaryKey().autoIncrement();
}
