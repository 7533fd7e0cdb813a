import type { Kysely } from 'kysely';

/**
 * A feed reads a page's categories, operating systems, relations and files by ref range in their
 * listed order. Indexes on (product, position) make each of those one range of one index with no
 * sort (the primary keys order by id, not position); the first three hold every column read, so no
 * table row is visited either. The files' index replaces the one on the product alone.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('product_categories_in_order').on('product_categories').columns(['product_ref', 'position', 'category_id']).execute();
  await db.schema.createIndex('product_operating_systems_in_order').on('product_operating_systems').columns(['product_ref', 'position', 'os_id']).execute();
  await db.schema.createIndex('product_relations_in_order').on('product_relations').columns(['product_ref', 'position', 'related_ref', 'kind']).execute();
  await db.schema.createIndex('product_files_in_order').on('product_files').columns(['product_ref', 'position']).execute();
  await db.schema.dropIndex('product_files_product').execute();
}
