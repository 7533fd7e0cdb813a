import { sql, type Kysely } from 'kysely';
import { autoId, isPostgres } from './portable.js';

/** First order number: numbers look like Nexway's (8 digits) and stay far below 2^31. */
const FIRST_ORDER_NUMBER = 10_000_001;

/** Orders, their lines and units, download grants, shipments, the partner ledger and the event outbox. */
export async function up(db: Kysely<any>): Promise<void> {
  const id = autoId(db);

  await db.schema.createTable('orders')
    .addColumn('order_number', 'integer', id)
    .addColumn('partner_id', 'integer', (c) => c.notNull().references('partners.id'))
    .addColumn('pos_id', 'integer', (c) => c.notNull().references('points_of_sale.id'))
    .addColumn('partner_order_number', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('order_date', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('marketing_program_id', 'text')
    .addColumn('affiliate_id', 'integer')
    .addColumn('customer', 'text', (c) => c.notNull())
    .addColumn('payment', 'text')
    .addColumn('discounts', 'text', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('download_ends_on', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('cancelled_at', 'text')
    .addColumn('cancel_reason', 'integer')
    .addColumn('cancel_comment', 'text')
    .addUniqueConstraint('orders_partner_pon', ['partner_id', 'partner_order_number'])
    .execute();
  if (isPostgres(db)) {
    await sql`alter table orders alter column order_number restart with ${sql.lit(FIRST_ORDER_NUMBER)}`.execute(db);
  } else {
    await sql`insert into sqlite_sequence (name, seq) values ('orders', ${sql.lit(FIRST_ORDER_NUMBER - 1)})`.execute(db);
  }

  await db.schema.createTable('order_lines')
    .addColumn('id', 'integer', id)
    .addColumn('order_number', 'integer', (c) => c.notNull().references('orders.order_number'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('product_ref', 'integer', (c) => c.notNull().references('products.ref'))
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('vat_rate', 'text')
    .addColumn('amount_duty_free_minor', 'bigint', (c) => c.notNull())
    .addColumn('amount_total_minor', 'bigint')
    .addColumn('amounts_sent', 'integer', (c) => c.notNull())
    .addColumn('end_user_email', 'text')
    .addColumn('discounts', 'text', (c) => c.notNull())
    .addColumn('retailer_unit_minor', 'bigint', (c) => c.notNull())
    .addColumn('vat_flags', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('order_lines_order').on('order_lines').column('order_number').execute();

  await db.schema.createTable('line_items')
    .addColumn('id', 'integer', id)
    .addColumn('order_line_id', 'integer', (c) => c.notNull().references('order_lines.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('line_items_line').on('line_items').column('order_line_id').execute();
  await db.schema.createIndex('serial_keys_line_item').on('serial_keys').column('line_item_id').execute();

  await db.schema.createTable('download_grants')
    .addColumn('id', 'integer', id)
    .addColumn('order_number', 'integer', (c) => c.notNull().references('orders.order_number'))
    .addColumn('order_line_id', 'integer', (c) => c.notNull().references('order_lines.id'))
    .addColumn('product_file_id', 'integer', (c) => c.notNull().references('product_files.id'))
    .addColumn('first_download_at', 'text')
    .addColumn('last_download_at', 'text')
    .addColumn('start_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('complete_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('download_grants_order').on('download_grants').column('order_number').execute();

  await db.schema.createTable('shipments')
    .addColumn('id', 'integer', id)
    .addColumn('order_number', 'integer', (c) => c.notNull().references('orders.order_number'))
    .addColumn('order_line_id', 'integer', (c) => c.notNull().references('order_lines.id'))
    .addColumn('product_ref', 'integer', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('tracking_number', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('shipped_at', 'text')
    .execute();
  await db.schema.createIndex('shipments_order').on('shipments').column('order_number').execute();
  await db.schema.createIndex('shipments_status').on('shipments').column('status').execute();

  // What each partner owes (positive) or is credited (negative), per order, renewal and credit note.
  await db.schema.createTable('ledger_entries')
    .addColumn('id', 'integer', id)
    .addColumn('partner_id', 'integer', (c) => c.notNull().references('partners.id'))
    .addColumn('pos_id', 'integer', (c) => c.notNull())
    .addColumn('order_number', 'integer', (c) => c.notNull().references('orders.order_number'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('retailer_minor', 'bigint', (c) => c.notNull())
    .addColumn('end_user_minor', 'bigint', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ledger_entries_partner_at').on('ledger_entries').columns(['partner_id', 'at']).execute();

  // Events, written in the transaction of the change that raised them; delivered later (webhooks).
  await db.schema.createTable('outbox_events')
    .addColumn('id', 'integer', id)
    .addColumn('event_id', 'text', (c) => c.notNull().unique())
    .addColumn('partner_id', 'integer')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}
