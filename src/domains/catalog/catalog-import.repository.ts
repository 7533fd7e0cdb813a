import type { Insertable } from 'kysely';
import type { ProductsTable, Tx } from '../../db/schema.js';
import type { CategoryRecord, OperatingSystemRecord, ProductRecord, PublisherRecord } from './product-record.js';

// Writes of catalog imports: rows ↔ records only; what to write is decided by the import service.

/** Every publisher, by id. */
export async function listPublisherRecords(tx: Tx): Promise<PublisherRecord[]> {
  const rows = await tx.selectFrom('publishers').selectAll().orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, name: r.name, mustProposeDvd: r.must_propose_dvd === 1 }));
}

/** Every category (top-level and subcategories), by id. */
export async function listCategoryRecords(tx: Tx): Promise<CategoryRecord[]> {
  const rows = await tx.selectFrom('categories').selectAll().orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, parentId: r.parent_id, labels: JSON.parse(r.labels) as Record<string, string>, position: r.position }));
}

/** Every operating system, by id. */
export async function listOperatingSystemRecords(tx: Tx): Promise<OperatingSystemRecord[]> {
  return tx.selectFrom('operating_systems').select(['id', 'label']).orderBy('id').execute();
}

/** Refs among `refs` that exist, with their option kind (null for a main product). */
export async function findOptionKinds(tx: Tx, refs: readonly number[]): Promise<Map<number, string | null>> {
  if (refs.length === 0) return new Map();
  const rows = await tx.selectFrom('products').select(['ref', 'option_kind']).where('ref', 'in', [...new Set(refs)]).execute();
  return new Map(rows.map((r) => [r.ref, r.option_kind]));
}

/** Inserts a publisher, or overwrites the stored one when `exists`. */
export async function savePublisher(tx: Tx, publisher: PublisherRecord, exists: boolean, now: string): Promise<void> {
  const values = { name: publisher.name, must_propose_dvd: publisher.mustProposeDvd ? 1 : 0 };
  if (exists) {
    await tx.updateTable('publishers').set(values).where('id', '=', publisher.id).execute();
    // Feeds show the publisher's name: its products changed for `diff` and `Last-Modified`.
    await tx.updateTable('products').set({ updated_at: now }).where('publisher_id', '=', publisher.id).execute();
  } else await tx.insertInto('publishers').values({ id: publisher.id, ...values }).execute();
}

/** Inserts a category, or overwrites the stored one when `exists`. */
export async function saveCategory(tx: Tx, category: CategoryRecord, exists: boolean): Promise<void> {
  const values = { parent_id: category.parentId, labels: JSON.stringify(category.labels), position: category.position };
  if (exists) await tx.updateTable('categories').set(values).where('id', '=', category.id).execute();
  else await tx.insertInto('categories').values({ id: category.id, ...values }).execute();
}

/** Inserts an operating system, or overwrites the stored one when `exists`. */
export async function saveOperatingSystem(tx: Tx, os: OperatingSystemRecord, exists: boolean): Promise<void> {
  if (exists) await tx.updateTable('operating_systems').set({ label: os.label }).where('id', '=', os.id).execute();
  else await tx.insertInto('operating_systems').values(os).execute();
}

/** The value of a setting, or undefined when it was never set. */
export async function findSetting(tx: Tx, key: string): Promise<string | undefined> {
  return (await tx.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst())?.value;
}

/** Sets a setting, inserting it when it was never set. */
export async function saveSetting(tx: Tx, key: string, value: string): Promise<void> {
  const updated = await tx.updateTable('settings').set({ value }).where('key', '=', key).executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) await tx.insertInto('settings').values({ key, value }).execute();
}

function productColumns(record: ProductRecord): Omit<Insertable<ProductsTable>, 'ref' | 'created_at' | 'updated_at'> {
  const d = record.delivery;
  return {
    publisher_id: record.publisherId,
    type: record.type,
    status: record.status,
    release_date: record.releaseDate,
    version: record.version,
    number_of_users: record.numberOfUsers,
    license_lifetime: record.licenseLifetime,
    ean: record.ean,
    drm: record.drm,
    keywords: record.keywords,
    flag_new: record.flags.new ? 1 : 0,
    flag_top: record.flags.top ? 1 : 0,
    flag_promo: record.flags.promo ? 1 : 0,
    image_small: record.images.small,
    image_medium: record.images.medium,
    image_big: record.images.big,
    screenshots: JSON.stringify(record.screenshots),
    memory_mb: record.systemRequirements.memoryMb,
    disk_mb: record.systemRequirements.diskMb,
    serials_per_unit: d.serialsPerUnit,
    serial_source: d.serialSource,
    serial_pattern: d.serialPattern,
    low_stock_threshold: d.lowStockThreshold,
    remark: d.remark,
    digital_locker_link: d.digitalLockerLink,
    download_manager: d.downloadManager ? 1 : 0,
    new_serial_each_term: d.newSerialEachTerm ? 1 : 0,
    subscription_period: record.subscription?.period ?? null,
    option_kind: record.option?.kind ?? null,
    option_duration: record.option?.duration ?? null,
  };
}

type ChildTable = 'product_texts' | 'product_categories' | 'product_operating_systems' | 'product_prices' | 'product_relations';

async function insertChildren(tx: Tx, record: ProductRecord, tables: ReadonlySet<ChildTable>): Promise<void> {
  const ref = record.ref;
  const texts = Object.entries(record.texts).map(([language, t]) => ({ product_ref: ref, language, name: t.name, short_description: t.shortDescription, long_description: t.longDescription }));
  const categories = record.categoryIds.map((category_id, position) => ({ product_ref: ref, category_id, position }));
  const systems = record.osIds.map((os_id, position) => ({ product_ref: ref, os_id, position }));
  const prices = record.prices.map((p) => ({ product_ref: ref, currency: p.currency, retailer_minor: p.retailer, public_minor: p.public, sale_minor: p.sale, renewal_minor: p.renewal }));
  const relations = [
    ...record.optionRefs.map((related_ref, position) => ({ product_ref: ref, related_ref, kind: 'option', position })),
    ...record.crossSellRefs.map((related_ref, position) => ({ product_ref: ref, related_ref, kind: 'cross', position })),
    ...record.upSellRefs.map((related_ref, position) => ({ product_ref: ref, related_ref, kind: 'up', position })),
  ];
  if (tables.has('product_texts') && texts.length > 0) await tx.insertInto('product_texts').values(texts).execute();
  if (tables.has('product_categories') && categories.length > 0) await tx.insertInto('product_categories').values(categories).execute();
  if (tables.has('product_operating_systems') && systems.length > 0) await tx.insertInto('product_operating_systems').values(systems).execute();
  if (tables.has('product_prices') && prices.length > 0) await tx.insertInto('product_prices').values(prices).execute();
  if (tables.has('product_relations') && relations.length > 0) await tx.insertInto('product_relations').values(relations).execute();
}

const ALL_CHILDREN = new Set<ChildTable>(['product_texts', 'product_categories', 'product_operating_systems', 'product_prices', 'product_relations']);

function fileRow(ref: number, position: number, file: ProductRecord['files'][number]) {
  return {
    product_ref: ref, position, label: file.label, type: file.type, file_group: file.group,
    store_path: file.storePath, origin_url: file.originUrl, size_bytes: file.sizeBytes, sha256: file.sha256,
  };
}

/** Inserts a new product with every child row; `now` is its creation and change time. */
export async function insertProduct(tx: Tx, record: ProductRecord, now: string): Promise<void> {
  await tx.insertInto('products').values({ ref: record.ref, ...productColumns(record), created_at: now, updated_at: now }).execute();
  await insertChildren(tx, record, ALL_CHILDREN);
  if (record.files.length > 0) await tx.insertInto('product_files').values(record.files.map((f, i) => fileRow(record.ref, i, f))).execute();
}

/** Which child tables hold each attribute a change can touch. */
const TABLE_OF: Partial<Record<keyof ProductRecord, ChildTable>> = {
  texts: 'product_texts',
  categoryIds: 'product_categories',
  osIds: 'product_operating_systems',
  prices: 'product_prices',
  optionRefs: 'product_relations',
  crossSellRefs: 'product_relations',
  upSellRefs: 'product_relations',
};

/**
 * Rewrites what changed of a stored product: its row (with a new `updated_at`), the child tables of
 * the changed attributes, and its files position by position, so a file keeps its id (download
 * grants point at it) as long as it stays in its place.
 */
export async function updateProduct(tx: Tx, storedFileIds: readonly number[], record: ProductRecord, changed: readonly string[], now: string): Promise<void> {
  await tx.updateTable('products').set({ ...productColumns(record), updated_at: now }).where('ref', '=', record.ref).execute();
  const tables = new Set(changed.map((key) => TABLE_OF[key as keyof ProductRecord]).filter((t): t is ChildTable => t !== undefined));
  for (const table of tables) await tx.deleteFrom(table).where('product_ref', '=', record.ref).execute();
  await insertChildren(tx, record, tables);
  if (changed.includes('files')) {
    for (const [position, file] of record.files.entries()) {
      const storedId = storedFileIds[position];
      if (storedId !== undefined) await tx.updateTable('product_files').set(fileRow(record.ref, position, file)).where('id', '=', storedId).execute();
      else await tx.insertInto('product_files').values(fileRow(record.ref, position, file)).execute();
    }
    const surplus = storedFileIds.slice(record.files.length);
    if (surplus.length > 0) await tx.deleteFrom('product_files').where('id', 'in', surplus).execute();
  }
}
