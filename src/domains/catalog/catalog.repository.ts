import { sql, type Selectable } from 'kysely';
import { prepareQuery } from '../../db/prepared.js';
import { findCacheVersion, renewCacheVersion } from '../../db/versions.js';
import type { ProductCategoriesTable, ProductFilesTable, ProductOperatingSystemsTable, ProductPricesTable, ProductRelationsTable, ProductsTable, ProductTextsTable, Tx } from '../../db/schema.js';
import type { OptionKind, Product, ProductStatus, Publisher, SerialSource } from './product.js';

/** The catalog's version: changes with every transaction that changes products, publishers or categories. */
export const findCatalogVersion = (tx: Tx): Promise<string> => findCacheVersion(tx, CATALOG_VERSION);

const CATALOG_VERSION = 'catalog.version';

/** Marks the catalog changed (in the changing transaction): every process's cached products are then reloaded. */
export const bumpCatalogVersion = (tx: Tx): Promise<void> => renewCacheVersion(tx, CATALOG_VERSION);

/** The catalog's master language: labels and texts fall back to it. */
export async function getMasterLanguage(tx: Tx): Promise<string> {
  const row = await tx.selectFrom('settings').select('value').where('key', '=', 'catalog.master_language').executeTakeFirst();
  return row?.value ?? 'en';
}

function groupBy<T, K>(rows: readonly T[], key: (row: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = out.get(k);
    if (list) list.push(row);
    else out.set(k, [row]);
  }
  return out;
}

/** Products by ref, read in a fixed number of queries whatever their count; unknown refs are absent. */
export async function findProducts(tx: Tx, refs: readonly number[]): Promise<Map<number, Product>> {
  const wanted = [...new Set(refs)];
  if (wanted.length === 0) return new Map();
  const rows = await tx.selectFrom('products').selectAll().where('ref', 'in', wanted).execute();
  return new Map((await assembleProducts(tx, rows)).map((p) => [p.ref, p]));
}

/** Product rows with their texts, categories, systems, prices, files and relations: seven queries in all. */
async function assembleProducts(tx: Tx, rows: readonly Selectable<ProductsTable>[]): Promise<Product[]> {
  if (rows.length === 0) return [];
  const wanted = rows.map((r) => r.ref);
  const [texts, categories, systems, prices, files, relations] = await Promise.all([
    tx.selectFrom('product_texts').selectAll().where('product_ref', 'in', wanted).execute(),
    tx.selectFrom('product_categories').selectAll().where('product_ref', 'in', wanted).orderBy('position').execute(),
    tx.selectFrom('product_operating_systems').selectAll().where('product_ref', 'in', wanted).orderBy('position').execute(),
    tx.selectFrom('product_prices').selectAll().where('product_ref', 'in', wanted).orderBy('currency').execute(),
    tx.selectFrom('product_files').selectAll().where('product_ref', 'in', wanted).orderBy('position').execute(),
    tx.selectFrom('product_relations').selectAll().where('product_ref', 'in', wanted).orderBy('position').execute(),
  ]);
  const children: ProductChildRows = {
    texts: groupBy(texts, (r) => r.product_ref),
    categories: groupBy(categories, (r) => r.product_ref),
    systems: groupBy(systems, (r) => r.product_ref),
    prices: groupBy(prices, (r) => r.product_ref),
    files: groupBy(files, (r) => r.product_ref),
    relations: groupBy(relations, (r) => r.product_ref),
  };
  return rows.map((row) => productOf(row, children));
}

const NONE: never[] = [];

/** A product's child rows, by ref: what productOf puts together with its row. */
export type ProductChildRows = {
  texts: Map<number, Pick<Selectable<ProductTextsTable>, 'product_ref' | 'language' | 'name' | 'short_description' | 'long_description'>[]>;
  categories: Map<number, Pick<Selectable<ProductCategoriesTable>, 'product_ref' | 'category_id'>[]>;
  systems: Map<number, Pick<Selectable<ProductOperatingSystemsTable>, 'product_ref' | 'os_id'>[]>;
  prices: Map<number, Selectable<ProductPricesTable>[]>;
  files: Map<number, Selectable<ProductFilesTable>[]>;
  relations: Map<number, Pick<Selectable<ProductRelationsTable>, 'product_ref' | 'related_ref' | 'kind'>[]>;
};

/** A products row and its child rows as the catalog's Product: the one mapping of both. */
export function productOf(row: Selectable<ProductsTable>, children: ProductChildRows): Product {
  const { ref } = row;
  const texts: Product['texts'] = {};
  for (const t of children.texts.get(ref) ?? NONE) texts[t.language] = { name: t.name, shortDescription: t.short_description, longDescription: t.long_description };
  const relations = children.relations.get(ref);
  const related = (kind: string) => (relations ? relations.filter((r) => r.kind === kind).map((r) => r.related_ref) : []);
  return {
    ref,
    publisherId: row.publisher_id,
    type: row.type,
    status: row.status as ProductStatus,
    releaseDate: row.release_date,
    texts,
    categoryIds: (children.categories.get(ref) ?? NONE).map((c) => c.category_id),
    osIds: (children.systems.get(ref) ?? NONE).map((o) => o.os_id),
    version: row.version,
    numberOfUsers: row.number_of_users,
    licenseLifetime: row.license_lifetime,
    ean: row.ean,
    drm: row.drm,
    keywords: row.keywords,
    flags: { new: row.flag_new === 1, top: row.flag_top === 1, promo: row.flag_promo === 1 },
    images: { small: row.image_small, medium: row.image_medium, big: row.image_big },
    screenshots: JSON.parse(row.screenshots) as string[],
    systemRequirements: { memoryMb: row.memory_mb, diskMb: row.disk_mb },
    prices: (children.prices.get(ref) ?? NONE).map((p) => ({ currency: p.currency, retailer: p.retailer_minor, public: p.public_minor, sale: p.sale_minor, renewal: p.renewal_minor })),
    delivery: {
      serialsPerUnit: row.serials_per_unit,
      serialSource: row.serial_source as SerialSource,
      serialPattern: row.serial_pattern,
      lowStockThreshold: row.low_stock_threshold,
      remark: row.remark,
      digitalLockerLink: row.digital_locker_link,
      downloadManager: row.download_manager === 1,
      newSerialEachTerm: row.new_serial_each_term === 1,
    },
    files: (children.files.get(ref) ?? NONE).map((f) => ({ id: f.id, label: f.label, type: f.type, group: f.file_group, storePath: f.store_path, originUrl: f.origin_url, sizeBytes: f.size_bytes, sha256: f.sha256 })),
    subscription: row.subscription_period ? { period: row.subscription_period } : null,
    option: row.option_kind ? { kind: row.option_kind as OptionKind, duration: row.option_duration } : null,
    optionRefs: related('option'),
    crossSellRefs: related('cross'),
    upSellRefs: related('up'),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Parent of every category (null for top-level ones): what product-list filters need. */
export async function categoryParents(tx: Tx): Promise<Map<number, number | null>> {
  const rows = await tx.selectFrom('categories').select(['id', 'parent_id']).execute();
  return new Map(rows.map((r) => [r.id, r.parent_id]));
}

export async function findPublishers(tx: Tx, ids: readonly number[]): Promise<Map<number, Publisher>> {
  if (ids.length === 0) return new Map();
  const rows = await publishersById.execute(tx, { ids: [...new Set(ids)] });
  return new Map(rows.map((r) => [r.id, { id: r.id, name: r.name, mustProposeDvd: r.must_propose_dvd === 1 }]));
}

/**
 * A POS's sale prices of `refs` (they change without the catalog, so the order and stock paths read
 * them at every call) and, in the same statement, the catalog's version: on PostgreSQL the version
 * inside an order's transaction would otherwise cost a round trip of its own.
 */
export async function findPosSalePricesWithVersion(tx: Tx, posId: number, refs: readonly number[]): Promise<{ version: string; prices: Map<number, number> }> {
  const rows = await posSalePrices.execute(tx, { key: CATALOG_VERSION, posId, refs });
  return {
    version: rows[0]?.version ?? '',
    prices: new Map(rows.flatMap((r) => (r.product_ref === null ? [] : [[r.product_ref, r.sale_minor!] as const]))),
  };
}

const publishersById = prepareQuery((db, { ids }: { ids: readonly number[] }) => db.selectFrom('publishers').selectAll().where('id', 'in', ids));

// Read by every order and stock call: compiled once per number of refs. One row per price found,
// or one without a price: the version is on every row.
const posSalePrices = prepareQuery((db, { key, posId, refs }: { key: string; posId: number; refs: readonly number[] }) => db
  .selectFrom(db.selectNoFrom(sql<number>`1`.as('one')).as('one'))
  .leftJoin('settings as v', (join) => join.on('v.key', '=', key))
  .leftJoin('pos_prices as p', (join) => join.on('p.pos_id', '=', posId).on('p.product_ref', 'in', refs))
  .select(['v.value as version', 'p.product_ref', 'p.sale_minor']));

export type CategoryLabel = { id: number; label: string; subcategories: { id: number; label: string }[] };

/** The category tree with labels in `language`, else in the master language, else any label. */
export async function listCategories(tx: Tx, language: string | undefined): Promise<CategoryLabel[]> {
  const [rows, master] = await Promise.all([
    tx.selectFrom('categories').selectAll().orderBy('position').orderBy('id').execute(),
    getMasterLanguage(tx),
  ]);
  const labelOf = (labels: string) => {
    const map = JSON.parse(labels) as Record<string, string>;
    return (language && map[language]) ?? map[master] ?? Object.values(map)[0] ?? '';
  };
  const children = groupBy(rows.filter((r) => r.parent_id !== null), (r) => r.parent_id);
  return rows.filter((r) => r.parent_id === null).map((r) => ({
    id: r.id,
    label: labelOf(r.labels),
    subcategories: (children.get(r.id) ?? []).map((c) => ({ id: c.id, label: labelOf(c.labels) })),
  }));
}

export async function listOperatingSystems(tx: Tx): Promise<{ id: number; label: string }[]> {
  return tx.selectFrom('operating_systems').select(['id', 'label']).orderBy('id').execute();
}
