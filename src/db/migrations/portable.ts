import { PostgresAdapter, type ColumnDefinitionBuilder, type Kysely } from 'kysely';

/** The one place migrations learn the engine: only the auto-numbered primary key differs. */
export function isPostgres(db: { getExecutor(): { adapter: object } }): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** An auto-numbered integer primary key on either engine (identity on PostgreSQL, rowid on SQLite). */
export function autoId(db: Kysely<unknown>): (col: ColumnDefinitionBuilder) => ColumnDefinitionBuilder {
  return isPostgres(db)
    ? (col) => col.primaryKey().generatedByDefaultAsIdentity()
    : (col) => col.primaryKey().autoIncrement();
}
