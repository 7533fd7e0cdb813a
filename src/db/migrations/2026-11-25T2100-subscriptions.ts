import { sql, type Kysely } from 'kysely';
import { autoId, isPostgres } from './portable.js';

/** First subscription id: seven digits, like Nexway's, far below 2^31. */
const FIRST_SUBSCRIPTION_ID = 5_000_001;

/** Subscriptions, one row per term renewed (the exactly-once guard), and the link from units to them. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('subscriptions')
    .addColumn('subscription_id', 'integer', autoId(db))
    .addColumn('partner_id', 'integer', (c) => c.notNull().references('partners.id'))
    .addColumn('pos_id', 'integer', (c) => c.notNull().references('points_of_sale.id'))
    .addColumn('order_number', 'integer', (c) => c.notNull().references('orders.order_number'))
    .addColumn('partner_order_number', 'text', (c) => c.notNull())
    .addColumn('line_item_id', 'integer', (c) => c.notNull().references('line_items.id'))
    .addColumn('product_ref', 'integer', (c) => c.notNull().references('products.ref'))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('anchor_at', 'text', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('expiration_at', 'text', (c) => c.notNull())
    .addColumn('current_order_number', 'integer', (c) => c.notNull())
    .addColumn('current_partner_order_number', 'text', (c) => c.notNull())
    .addColumn('grace_ends_at', 'text')
    .addColumn('next_attempt_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  if (isPostgres(db)) {
    await sql`alter table subscriptions alter column subscription_id restart with ${sql.lit(FIRST_SUBSCRIPTION_ID)}`.execute(db);
  } else {
    await sql`insert into sqlite_sequence (name, seq) values ('subscriptions', ${sql.lit(FIRST_SUBSCRIPTION_ID - 1)})`.execute(db);
  }
  await db.schema.createIndex('subscriptions_order').on('subscriptions').column('order_number').execute();
  // What the worker looks for: due renewals, retries and expiries.
  await db.schema.createIndex('subscriptions_due').on('subscriptions').columns(['status', 'expiration_at']).execute();
  await db.schema.createIndex('subscriptions_retry').on('subscriptions').columns(['status', 'next_attempt_at']).execute();

  // One row per renewed term: the unique pair is what makes a term renew exactly once.
  await db.schema.createTable('subscription_terms')
    .addColumn('subscription_id', 'integer', (c) => c.notNull().references('subscriptions.subscription_id'))
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('order_number', 'integer', (c) => c.notNull().references('orders.order_number'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('subscription_terms_pk', ['subscription_id', 'generation'])
    .execute();

  await db.schema.alterTable('line_items').addColumn('subscription_id', 'integer').execute();
  // A renewal that keeps the serial shows the serials of the unit that first delivered it.
  await db.schema.alterTable('line_items').addColumn('serials_of_line_item_id', 'integer').execute();
}
