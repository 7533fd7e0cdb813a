import type { Kysely } from 'kysely';

/**
 * Renewal workers lease the due subscriptions they are about to work on (`worker_lease_until`), so
 * two workers take different ones instead of each trying every one of them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('subscriptions').addColumn('worker_lease_until', 'text').execute();
}
