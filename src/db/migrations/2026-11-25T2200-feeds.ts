import type { Kysely } from 'kysely';
import { autoId } from './portable.js';

/**
 * Product feeds (feeds.md): feed formats (the URL's `config`) and product lists (its `provider`),
 * owned by a partner; the products each list has sent (what `diff` needs to report removals); and the
 * change stamps a feed's `Last-Modified` and `diff` are computed from.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('feed_formats')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('partner_id', 'integer', (c) => c.notNull().references('partners.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('output', 'text', (c) => c.notNull())
    .addColumn('excel', 'integer', (c) => c.notNull())
    .addColumn('charset', 'text', (c) => c.notNull())
    .addColumn('separator', 'text', (c) => c.notNull())
    .addColumn('delimiter', 'text', (c) => c.notNull())
    .addColumn('eol', 'text', (c) => c.notNull())
    .addColumn('columns', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('feed_formats_partner').on('feed_formats').column('partner_id').execute();

  await db.schema.createTable('product_lists')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('partner_id', 'integer', (c) => c.notNull().references('partners.id'))
    .addColumn('pos_id', 'integer', (c) => c.notNull().references('points_of_sale.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('max_products', 'integer')
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('description_language', 'text', (c) => c.notNull())
    .addColumn('categories', 'text', (c) => c.notNull())
    .addColumn('publishers', 'text', (c) => c.notNull())
    .addColumn('refs', 'text', (c) => c.notNull())
    .addColumn('name_filter', 'text')
    .addColumn('last_complete_fetch_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('product_lists_partner').on('product_lists').column('partner_id').execute();

  // A product a list has sent: `removed_at` is set by the first fetch that finds it gone.
  await db.schema.createTable('product_list_members')
    .addColumn('list_id', 'integer', (c) => c.notNull().references('product_lists.id'))
    .addColumn('product_ref', 'integer', (c) => c.notNull())
    .addColumn('added_at', 'text', (c) => c.notNull())
    .addColumn('removed_at', 'text')
    .addPrimaryKeyConstraint('product_list_members_pk', ['list_id', 'product_ref'])
    .execute();

  // When what a POS sells last changed (currency, product list, price overrides): every row of its feeds changed.
  await db.schema.alterTable('points_of_sale').addColumn('catalog_changed_at', 'text').execute();
}
