import type { Selectable } from 'kysely';
import type { ProductsTable, Tx } from '../../db/schema.js';
import type { PointOfSale } from '../partners/index.js';
import { sellableBy, type OptionKind, type Product, type ProductStatus, type Publisher, type SellableProduct, type SerialSource } from './product.js';

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
  const [rows, texts, categories, systems, prices, files, relations] = await Promise.all([
    tx.selectFrom('products').selectAll().where('ref', 'in', wanted).execute(),
    tx.selectFrom('product_texts').selectAll().where('product_ref', 'in', wanted).execute(),
    tx.selectFrom('product_categories').selectAll().where('product_ref', 'in', wanted).orderBy('position').execute(),
    tx.selectFrom('product_operating_systems').selectAll().where('product_ref', 'in', wanted).orderBy('position').execute(),
    tx.selectFrom('product_prices').selectAll().where('product_ref', 'in', wanted).orderBy('currency').execute(),
    tx.selectFrom('product_files').selectAll().where('product_ref', 'in', wanted).orderBy('position').execute(),
    tx.selectFrom('product_relations').selectAll().where('product_ref', 'in', wanted).orderBy('position').execute(),
  ]);
  const textsOf = groupBy(texts, (r) => r.product_ref);
  const categoriesOf = groupBy(categories, (r) => r.product_ref);
  const systemsOf = groupBy(systems, (r) => r.product_ref);
  const pricesOf = groupBy(prices, (r) => r.product_ref);
  const filesOf = groupBy(files, (r) => r.product_ref);
  const relationsOf = groupBy(relations, (r) => r.product_ref);
  const out = new Map<number, Product>();
  for (const row of rows) {
    const related = (kind: string) => (relationsOf.get(row.ref) ?? []).filter((r) => r.kind === kind).map((r) => r.related_ref);
    out.set(row.ref, {
      ...productColumnsOf(row),
      texts: Object.fromEntries((textsOf.get(row.ref) ?? []).map((t) => [t.language, { name: t.name, shortDescription: t.short_description, longDescription: t.long_description }])),
      categoryIds: (categoriesOf.get(row.ref) ?? []).map((c) => c.category_id),
      osIds: (systemsOf.get(row.ref) ?? []).map((o) => o.os_id),
      prices: (pricesOf.get(row.ref) ?? []).map((p) => ({ currency: p.currency, retailer: p.retailer_minor, public: p.public_minor, sale: p.sale_minor, renewal: p.renewal_minor })),
      files: (filesOf.get(row.ref) ?? []).map((f) => ({ id: f.id, label: f.label, type: f.type, group: f.file_group, storePath: f.store_path, originUrl: f.origin_url, sizeBytes: f.size_bytes, sha256: f.sha256 })),
      optionRefs: related('option'),
      crossSellRefs: related('cross'),
      upSellRefs: related('up'),
    });
  }
  return out;
}

type ProductColumns = Omit<Product, 'texts' | 'categoryIds' | 'osIds' | 'prices' | 'files' | 'optionRefs' | 'crossSellRefs' | 'upSellRefs'>;

function productColumnsOf(row: Selectable<ProductsTable>): ProductColumns {
  return {
    ref: row.ref,
    publisherId: row.publisher_id,
    type: row.type,
    status: row.status as ProductStatus,
    releaseDate: row.release_date,
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
    subscription: row.subscription_period ? { period: row.subscription_period } : null,
    option: row.option_kind ? { kind: row.option_kind as OptionKind, duration: row.option_duration } : null,
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
  const rows = await tx.selectFrom('publishers').selectAll().where('id', 'in', [...new Set(ids)]).execute();
  return new Map(rows.map((r) => [r.id, { id: r.id, name: r.name, mustProposeDvd: r.must_propose_dvd === 1 }]));
}

/**
 * The products of `refs` that this POS sells, with its prices; a ref the POS does not sell (outside
 * its list, not priced in its currency, end of life, unknown) is absent, exactly like an unknown one.
 */
export async function findSellable(tx: Tx, pos: PointOfSale, refs: readonly number[]): Promise<Map<number, SellableProduct>> {
  const products = await findProducts(tx, refs);
  if (products.size === 0) return new Map();
  const [publishers, parents, overrides] = await Promise.all([
    findPublishers(tx, [...products.values()].map((p) => p.publisherId)),
    categoryParents(tx),
    tx.selectFrom('pos_prices').select(['product_ref', 'sale_minor']).where('pos_id', '=', pos.id).where('product_ref', 'in', [...products.keys()]).execute(),
  ]);
  const overrideOf = new Map(overrides.map((o) => [o.product_ref, o.sale_minor]));
  const out = new Map<number, SellableProduct>();
  for (const product of products.values()) {
    const sellable = sellableBy(pos, product, publishers.get(product.publisherId)!, overrideOf.get(product.ref), parents);
    if (sellable) out.set(product.ref, sellable);
  }
  return out;
}

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
