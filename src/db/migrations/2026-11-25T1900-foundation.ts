import { sql, type Kysely } from 'kysely';
import { autoId } from './portable.js';

/** Partners, points of sale, secrets, token sessions, catalog, key pools and the audit log. */
export async function up(db: Kysely<any>): Promise<void> {
  const id = autoId(db);

  await db.schema.createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('audit_log')
    .addColumn('id', 'integer', id)
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('partners')
    .addColumn('id', 'integer', id)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('realm_name', 'text', (c) => c.notNull().unique())
    .addColumn('suspended', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('webhook_url', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('client_secrets')
    .addColumn('id', 'integer', id)
    .addColumn('partner_id', 'integer', (c) => c.notNull().references('partners.id'))
    .addColumn('digest', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .execute();

  await db.schema.createTable('iam_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('partner_id', 'integer', (c) => c.notNull().references('partners.id'))
    .addColumn('client_secret_id', 'integer', (c) => c.notNull().references('client_secrets.id'))
    .addColumn('refresh_digest', 'text', (c) => c.notNull().unique())
    .addColumn('refresh_expires_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('points_of_sale')
    .addColumn('id', 'integer', id)
    .addColumn('partner_id', 'integer', (c) => c.notNull().references('partners.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('countries', 'text', (c) => c.notNull())
    .addColumn('languages', 'text', (c) => c.notNull())
    .addColumn('description_language', 'text', (c) => c.notNull())
    .addColumn('product_list', 'text', (c) => c.notNull())
    .addColumn('ip_allow_list', 'text', (c) => c.notNull())
    .addColumn('cancel_window_days', 'integer', (c) => c.notNull())
    .addColumn('vat_policy', 'text', (c) => c.notNull())
    .addColumn('rate_limit', 'integer')
    .addColumn('suspended', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('points_of_sale_partner').on('points_of_sale').column('partner_id').execute();

  await db.schema.createTable('pos_secrets')
    .addColumn('id', 'integer', id)
    .addColumn('pos_id', 'integer', (c) => c.notNull().references('points_of_sale.id'))
    .addColumn('digest', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .execute();

  await db.schema.createTable('publishers')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('must_propose_dvd', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema.createTable('categories')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('parent_id', 'integer', (c) => c.references('categories.id'))
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .execute();

  await db.schema.createTable('operating_systems')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('label', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('products')
    .addColumn('ref', 'integer', (c) => c.primaryKey())
    .addColumn('publisher_id', 'integer', (c) => c.notNull().references('publishers.id'))
    .addColumn('type', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('release_date', 'text')
    .addColumn('version', 'text')
    .addColumn('number_of_users', 'integer')
    .addColumn('license_lifetime', 'text')
    .addColumn('ean', 'text')
    .addColumn('drm', 'text')
    .addColumn('keywords', 'text')
    .addColumn('flag_new', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('flag_top', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('flag_promo', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('image_small', 'text')
    .addColumn('image_medium', 'text')
    .addColumn('image_big', 'text')
    .addColumn('screenshots', 'text', (c) => c.notNull())
    .addColumn('memory_mb', 'integer')
    .addColumn('disk_mb', 'integer')
    .addColumn('serials_per_unit', 'integer', (c) => c.notNull())
    .addColumn('serial_source', 'text', (c) => c.notNull())
    .addColumn('serial_pattern', 'text')
    .addColumn('low_stock_threshold', 'integer', (c) => c.notNull())
    .addColumn('remark', 'text')
    .addColumn('digital_locker_link', 'text')
    .addColumn('download_manager', 'integer', (c) => c.notNull())
    .addColumn('new_serial_each_term', 'integer', (c) => c.notNull())
    .addColumn('subscription_period', 'text')
    .addColumn('option_kind', 'text')
    .addColumn('option_duration', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('products_updated').on('products').column('updated_at').execute();

  await db.schema.createTable('product_texts')
    .addColumn('product_ref', 'integer', (c) => c.notNull().references('products.ref'))
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('short_description', 'text')
    .addColumn('long_description', 'text')
    .addPrimaryKeyConstraint('product_texts_pk', ['product_ref', 'language'])
    .execute();

  await db.schema.createTable('product_categories')
    .addColumn('product_ref', 'integer', (c) => c.notNull().references('products.ref'))
    .addColumn('category_id', 'integer', (c) => c.notNull().references('categories.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('product_categories_pk', ['product_ref', 'category_id'])
    .execute();

  await db.schema.createTable('product_operating_systems')
    .addColumn('product_ref', 'integer', (c) => c.notNull().references('products.ref'))
    .addColumn('os_id', 'integer', (c) => c.notNull().references('operating_systems.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('product_operating_systems_pk', ['product_ref', 'os_id'])
    .execute();

  await db.schema.createTable('product_prices')
    .addColumn('product_ref', 'integer', (c) => c.notNull().references('products.ref'))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('retailer_minor', 'bigint', (c) => c.notNull())
    .addColumn('public_minor', 'bigint', (c) => c.notNull())
    .addColumn('sale_minor', 'bigint', (c) => c.notNull())
    .addColumn('renewal_minor', 'bigint')
    .addPrimaryKeyConstraint('product_prices_pk', ['product_ref', 'currency'])
    .execute();

  await db.schema.createTable('pos_prices')
    .addColumn('pos_id', 'integer', (c) => c.notNull().references('points_of_sale.id'))
    .addColumn('product_ref', 'integer', (c) => c.notNull().references('products.ref'))
    .addColumn('sale_minor', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pos_prices_pk', ['pos_id', 'product_ref'])
    .execute();

  await db.schema.createTable('product_files')
    .addColumn('id', 'integer', id)
    .addColumn('product_ref', 'integer', (c) => c.notNull().references('products.ref'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('file_group', 'text', (c) => c.notNull())
    .addColumn('store_path', 'text')
    .addColumn('origin_url', 'text')
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text')
    .execute();
  await db.schema.createIndex('product_files_product').on('product_files').column('product_ref').execute();

  await db.schema.createTable('product_relations')
    .addColumn('product_ref', 'integer', (c) => c.notNull().references('products.ref'))
    .addColumn('related_ref', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('product_relations_pk', ['product_ref', 'kind', 'related_ref'])
    .execute();

  await db.schema.createTable('serial_keys')
    .addColumn('id', 'integer', id)
    .addColumn('product_ref', 'integer', (c) => c.notNull().references('products.ref'))
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('imported_at', 'text', (c) => c.notNull())
    .addColumn('assigned_at', 'text')
    .addColumn('line_item_id', 'integer')
    .addUniqueConstraint('serial_keys_product_digest', ['product_ref', 'digest'])
    .execute();
  // Free keys of a product, in import order: what allocation and stock counts read.
  await db.schema.createIndex('serial_keys_free').on('serial_keys').columns(['product_ref', 'id'])
    .where(sql.ref('assigned_at'), 'is', null).execute();
}
