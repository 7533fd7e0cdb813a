import { randomBytes } from 'node:crypto';
import type { App } from '../../src/app.js';
import type { Db } from '../../src/db/schema.js';
import { findProducts, type OptionKind, type Product, type ProductPrice, type ProductStatus, type SerialSource } from '../../src/domains/catalog/index.js';

/**
 * What a test says about a product; every key is optional and takes a plain default: an on-sale
 * product of publisher 1, priced in EUR (retailer 30.00, public 49.99, sale 44.99), delivered with
 * one key per unit from a pool, low-stock threshold 10, English name "Product <ref>".
 * Money is in minor units, as in the Product read model.
 */
export type ProductSpec = {
  /** Default: the next ref of a counter starting at 700001. */
  ref?: number;
  publisherId?: number;
  /** Used when the publisher row does not exist yet (it is created). */
  publisherName?: string;
  mustProposeDvd?: boolean;
  /** 1 for sale, 3 freeware, 4 shareware. */
  type?: number;
  status?: ProductStatus;
  releaseDate?: string | null;
  /** Texts per language; `names` default `{ en: "Product <ref>" }`. */
  names?: Record<string, string>;
  shortDescriptions?: Record<string, string>;
  longDescriptions?: Record<string, string>;
  /** Created (labels `{en: "Category <id>"}`, top level) when missing. */
  categoryIds?: number[];
  /** Created (label `OS <id>`) when missing. */
  osIds?: number[];
  /** Prices per currency, minor units; `renewal` defaults to null. Default one EUR price. */
  prices?: (Omit<ProductPrice, 'renewal'> & { renewal?: number | null })[];
  serialsPerUnit?: number;
  serialSource?: SerialSource;
  serialPattern?: string | null;
  lowStockThreshold?: number;
  remark?: string | null;
  digitalLockerLink?: string | null;
  downloadManager?: boolean;
  newSerialEachTerm?: boolean;
  /** ISO 8601 period of a subscription product (`P1Y`), or null. */
  subscriptionPeriod?: string | null;
  option?: { kind: OptionKind; duration?: string | null } | null;
  flags?: Partial<{ new: boolean; top: boolean; promo: boolean }>;
  version?: string | null;
  numberOfUsers?: number | null;
  licenseLifetime?: string | null;
  ean?: string | null;
  drm?: string | null;
  keywords?: string | null;
  images?: Partial<{ small: string; medium: string; big: string }>;
  screenshots?: string[];
  memoryMb?: number | null;
  diskMb?: number | null;
  /** Files served by URL or from the store; sizes in bytes. */
  files?: { label: string; type?: string; group?: string; storePath?: string | null; originUrl?: string | null; sizeBytes?: number; sha256?: string | null }[];
  optionRefs?: number[];
  crossSellRefs?: number[];
  upSellRefs?: number[];
  /** ISO 8601 UTC; default 2026-01-01T00:00:00.000Z. */
  createdAt?: string;
  updatedAt?: string;
};

let nextRef = 700_000;

/**
 * Inserts a product with every NOT NULL column filled, plus its publisher, categories and operating
 * systems when missing, texts, prices, files and relations, straight into the tables (no import, no
 * audit), and returns it as the catalog read model sees it.
 */
export async function givenProduct(db: Db, spec: ProductSpec = {}): Promise<Product> {
  const ref = spec.ref ?? ++nextRef;
  const publisherId = spec.publisherId ?? 1;
  const createdAt = spec.createdAt ?? '2026-01-01T00:00:00.000Z';
  await db.transaction().execute(async (tx) => {
    await tx.insertInto('publishers')
      .values({ id: publisherId, name: spec.publisherName ?? `Publisher ${publisherId}`, must_propose_dvd: spec.mustProposeDvd ? 1 : 0 })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    for (const id of spec.categoryIds ?? []) {
      await tx.insertInto('categories').values({ id, parent_id: null, labels: JSON.stringify({ en: `Category ${id}` }), position: id })
        .onConflict((oc) => oc.column('id').doNothing()).execute();
    }
    for (const id of spec.osIds ?? []) {
      await tx.insertInto('operating_systems').values({ id, label: `OS ${id}` }).onConflict((oc) => oc.column('id').doNothing()).execute();
    }
    await tx.insertInto('products').values({
      ref,
      publisher_id: publisherId,
      type: spec.type ?? 1,
      status: spec.status ?? 'on_sale',
      release_date: spec.releaseDate ?? null,
      version: spec.version ?? null,
      number_of_users: spec.numberOfUsers ?? null,
      license_lifetime: spec.licenseLifetime ?? null,
      ean: spec.ean ?? null,
      drm: spec.drm ?? null,
      keywords: spec.keywords ?? null,
      flag_new: spec.flags?.new ? 1 : 0,
      flag_top: spec.flags?.top ? 1 : 0,
      flag_promo: spec.flags?.promo ? 1 : 0,
      image_small: spec.images?.small ?? null,
      image_medium: spec.images?.medium ?? null,
      image_big: spec.images?.big ?? null,
      screenshots: JSON.stringify(spec.screenshots ?? []),
      memory_mb: spec.memoryMb ?? null,
      disk_mb: spec.diskMb ?? null,
      serials_per_unit: spec.serialsPerUnit ?? (spec.serialSource === 'none' ? 0 : 1),
      serial_source: spec.serialSource ?? 'pool',
      serial_pattern: spec.serialPattern ?? (spec.serialSource === 'generated' ? 'XXXX-XXXX-XXXX' : null),
      low_stock_threshold: spec.lowStockThreshold ?? 10,
      remark: spec.remark ?? null,
      digital_locker_link: spec.digitalLockerLink ?? null,
      download_manager: spec.downloadManager ? 1 : 0,
      new_serial_each_term: spec.newSerialEachTerm ? 1 : 0,
      subscription_period: spec.subscriptionPeriod ?? null,
      option_kind: spec.option?.kind ?? null,
      option_duration: spec.option?.duration ?? null,
      created_at: createdAt,
      updated_at: spec.updatedAt ?? createdAt,
    }).execute();
    const names = spec.names ?? { en: `Product ${ref}` };
    const languages = new Set([...Object.keys(names), ...Object.keys(spec.shortDescriptions ?? {}), ...Object.keys(spec.longDescriptions ?? {})]);
    for (const language of languages) {
      await tx.insertInto('product_texts').values({
        product_ref: ref,
        language,
        name: names[language] ?? null,
        short_description: spec.shortDescriptions?.[language] ?? null,
        long_description: spec.longDescriptions?.[language] ?? null,
      }).execute();
    }
    for (const [position, id] of (spec.categoryIds ?? []).entries()) {
      await tx.insertInto('product_categories').values({ product_ref: ref, category_id: id, position }).execute();
    }
    for (const [position, id] of (spec.osIds ?? []).entries()) {
      await tx.insertInto('product_operating_systems').values({ product_ref: ref, os_id: id, position }).execute();
    }
    for (const price of spec.prices ?? [{ currency: 'EUR', retailer: 3000, public: 4999, sale: 4499 }]) {
      await tx.insertInto('product_prices').values({
        product_ref: ref,
        currency: price.currency,
        retailer_minor: price.retailer,
        public_minor: price.public,
        sale_minor: price.sale,
        renewal_minor: price.renewal ?? null,
      }).execute();
    }
    for (const [position, file] of (spec.files ?? []).entries()) {
      await tx.insertInto('product_files').values({
        product_ref: ref,
        position,
        label: file.label,
        type: file.type ?? 'install',
        file_group: file.group ?? '',
        store_path: file.storePath ?? null,
        origin_url: file.originUrl ?? (file.storePath ? null : `https://cdn.example.com/${ref}/${position}`),
        size_bytes: file.sizeBytes ?? 1_000_000,
        sha256: file.sha256 ?? null,
      }).execute();
    }
    const relations = [
      ...(spec.optionRefs ?? []).map((related, position) => ({ kind: 'option', related, position })),
      ...(spec.crossSellRefs ?? []).map((related, position) => ({ kind: 'cross', related, position })),
      ...(spec.upSellRefs ?? []).map((related, position) => ({ kind: 'up', related, position })),
    ];
    for (const r of relations) {
      await tx.insertInto('product_relations').values({ product_ref: ref, related_ref: r.related, kind: r.kind, position: r.position }).execute();
    }
  });
  return (await findProducts(db, [ref])).get(ref)!;
}

/** `count` distinct made-up keys (`KEY-<random>-<n>`), or exactly the keys given. */
export function makeKeys(count: number): string[] {
  const run = randomBytes(4).toString('hex').toUpperCase();
  return Array.from({ length: count }, (_, i) => `KEY-${run}-${String(i + 1).padStart(6, '0')}`);
}

/**
 * Stores keys in a pool product through the stock domain (sealed and digested like an import) and
 * returns their plaintexts: `count` made-up keys, or the keys given.
 */
export async function givenKeys(app: Pick<App, 'db' | 'stock'>, productRef: number, keys: number | readonly string[]): Promise<string[]> {
  const plaintexts = typeof keys === 'number' ? makeKeys(keys) : [...keys];
  await app.stock.importKeys(app.db, productRef, plaintexts, { actor: 'test' });
  return plaintexts;
}

/** A yearly pooled subscription product (retailer 20.00, renewal 24.99 EUR, a new key per term) with `keys` keys. */
export async function givenYearlySubscription(app: Pick<App, 'db' | 'stock'>, keys: number): Promise<number> {
  const product = await givenProduct(app.db, {
    subscriptionPeriod: 'P1Y', newSerialEachTerm: true, serialSource: 'pool',
    prices: [{ currency: 'EUR', retailer: 2000, public: 3999, sale: 2999, renewal: 2499 }],
  });
  if (keys > 0) await givenKeys(app, product.ref, keys);
  return product.ref;
}

/** A weekly subscription product with generated serials: renewable from the moment it is ordered. */
export async function givenWeeklySubscription(db: Db): Promise<number> {
  const product = await givenProduct(db, {
    subscriptionPeriod: 'P1W', serialSource: 'generated', serialPattern: 'WK-XXXX-XXXX',
    prices: [{ currency: 'EUR', retailer: 100, public: 299, sale: 199, renewal: 149 }],
  });
  return product.ref;
}

/**
 * Many plain products at once (refs `from`, `from + 1`, …): on-sale, publisher 1, an English name and
 * descriptions of `descriptionLength` characters, one EUR price. Written in multi-row inserts, for
 * tests that need a catalog larger than what a connection buffers (feeds).
 */
export async function givenManyProducts(db: Db, options: { from: number; count: number; descriptionLength: number }): Promise<number[]> {
  const refs = Array.from({ length: options.count }, (_, i) => options.from + i);
  const description = 'x'.repeat(options.descriptionLength);
  const at = '2026-01-01T00:00:00.000Z';
  await db.insertInto('publishers').values({ id: 1, name: 'Publisher 1', must_propose_dvd: 0 }).onConflict((oc) => oc.column('id').doNothing()).execute();
  for (let i = 0; i < refs.length; i += 500) {
    const chunk = refs.slice(i, i + 500);
    await db.transaction().execute(async (tx) => {
      await tx.insertInto('products').values(chunk.map((ref) => ({
        ref, publisher_id: 1, type: 1, status: 'on_sale', release_date: null, version: null, number_of_users: null,
        license_lifetime: null, ean: null, drm: null, keywords: null, flag_new: 0, flag_top: 0, flag_promo: 0,
        image_small: null, image_medium: null, image_big: null, screenshots: '[]', memory_mb: null, disk_mb: null,
        serials_per_unit: 0, serial_source: 'none', serial_pattern: null, low_stock_threshold: 10, remark: null,
        digital_locker_link: null, download_manager: 0, new_serial_each_term: 0, subscription_period: null,
        option_kind: null, option_duration: null, created_at: at, updated_at: at,
      }))).execute();
      await tx.insertInto('product_texts').values(chunk.map((ref) => ({
        product_ref: ref, language: 'en', name: `Product ${ref}`, short_description: description, long_description: description,
      }))).execute();
      await tx.insertInto('product_prices').values(chunk.map((ref) => ({
        product_ref: ref, currency: 'EUR', retailer_minor: 3000, public_minor: 4999, sale_minor: 4499, renewal_minor: null,
      }))).execute();
    });
  }
  return refs;
}
