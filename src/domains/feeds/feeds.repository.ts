import { sql, type Expression, type ExpressionBuilder, type Selectable, type SqlBool } from 'kysely';
import { isPostgres } from '../../db/engine.js';
import { prepareQuery } from '../../db/prepared.js';
import type { Database, Db, FeedFormatsTable, ProductListsTable, ProductsTable, Tx } from '../../db/schema.js';
import { productOf, type Product, type ProductChildRows } from '../catalog/index.js';
import { FEED_VERSION, type FeedCharset, type FeedColumn, type FeedFormat, type FeedOutput, type FeedProductList, type LineEnding, type ListKind } from './feed.js';

export function toFeedFormat(row: Selectable<FeedFormatsTable>): FeedFormat {
  return {
    id: row.id,
    partnerId: row.partner_id,
    name: row.name,
    version: FEED_VERSION,
    output: row.output as FeedOutput,
    excel: row.excel === 1,
    charset: row.charset as FeedCharset,
    separator: row.separator,
    delimiter: row.delimiter,
    eol: row.eol as LineEnding,
    columns: JSON.parse(row.columns) as FeedColumn[],
    updatedAt: row.updated_at,
  };
}

export function toFeedProductList(row: Selectable<ProductListsTable>): FeedProductList {
  return {
    id: row.id,
    partnerId: row.partner_id,
    posId: row.pos_id,
    name: row.name,
    kind: row.kind as ListKind,
    maxProducts: row.max_products,
    language: row.language,
    descriptionLanguage: row.description_language,
    categories: JSON.parse(row.categories) as number[],
    publishers: JSON.parse(row.publishers) as number[],
    refs: JSON.parse(row.refs) as number[],
    nameFilter: row.name_filter,
    lastCompleteFetchAt: row.last_complete_fetch_at,
    updatedAt: row.updated_at,
  };
}

export async function insertFeedFormat(tx: Tx, format: Omit<FeedFormat, 'id' | 'updatedAt'>, now: string): Promise<FeedFormat> {
  const row = await tx.insertInto('feed_formats').values({
    partner_id: format.partnerId, name: format.name, version: format.version, output: format.output, excel: format.excel ? 1 : 0,
    charset: format.charset, separator: format.separator, delimiter: format.delimiter, eol: format.eol,
    columns: JSON.stringify(format.columns), created_at: now, updated_at: now,
  }).returningAll().executeTakeFirstOrThrow();
  return toFeedFormat(row);
}

export async function insertProductList(tx: Tx, list: Omit<FeedProductList, 'id' | 'updatedAt' | 'lastCompleteFetchAt'>, now: string): Promise<FeedProductList> {
  const row = await tx.insertInto('product_lists').values({
    partner_id: list.partnerId, pos_id: list.posId, name: list.name, kind: list.kind, max_products: list.maxProducts,
    language: list.language, description_language: list.descriptionLanguage, categories: JSON.stringify(list.categories),
    publishers: JSON.stringify(list.publishers), refs: JSON.stringify(list.refs), name_filter: list.nameFilter,
    last_complete_fetch_at: null, created_at: now, updated_at: now,
  }).returningAll().executeTakeFirstOrThrow();
  return toFeedProductList(row);
}

export async function findFeedFormat(tx: Tx, id: number): Promise<FeedFormat | undefined> {
  const row = await tx.selectFrom('feed_formats').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toFeedFormat(row);
}

export async function findProductList(tx: Tx, id: number): Promise<FeedProductList | undefined> {
  const row = await tx.selectFrom('product_lists').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toFeedProductList(row);
}

/** When what a POS sells last changed (currency, product list, price overrides). */
export async function posCatalogChangedAt(tx: Tx, posId: number): Promise<string> {
  const row = await tx.selectFrom('points_of_sale').select(['catalog_changed_at', 'created_at']).where('id', '=', posId).executeTakeFirstOrThrow();
  return row.catalog_changed_at ?? row.created_at;
}

/**
 * The catalog's change marks: the last product change, and the last release date reached by a
 * pre-order product (from that day it shows as on sale without having been changed).
 */
export async function catalogChangeMarks(tx: Tx, today: string): Promise<{ changedAt: string | null; releasedOn: string | null }> {
  const [changed, released] = await Promise.all([
    tx.selectFrom('products').select((eb) => eb.fn.max('updated_at').as('at')).executeTakeFirst(),
    tx.selectFrom('products').select((eb) => eb.fn.max('release_date').as('on'))
      .where('status', '=', 'pre_order').where('release_date', '<=', today).executeTakeFirst(),
  ]);
  return { changedAt: changed?.at ?? null, releasedOn: released?.on ?? null };
}

/** Every language the catalog has texts in, sorted: the description columns of an `ALL` feed. */
export async function catalogLanguages(tx: Tx): Promise<string[]> {
  const rows = await tx.selectFrom('product_texts').select('language').distinct().orderBy('language').execute();
  return rows.map((r) => r.language);
}

export type ListMember = { ref: number; addedAt: string; removedAt: string | null };

/** The products a list has sent with a ref in (afterRef, upToRef] (no upToRef: no upper end), in ref order. */
const membersInRange = prepareQuery((db, { listId, afterRef, upToRef }: { listId: number; afterRef: number; upToRef?: number }) => {
  let query = db.selectFrom('product_list_members').select(['product_ref', 'added_at', 'removed_at'])
    .where('list_id', '=', listId).where('product_ref', '>', afterRef);
  if (upToRef !== undefined) query = query.where('product_ref', '<=', upToRef);
  return query.orderBy('product_ref');
});

async function listMembers(tx: Tx, listId: number, afterRef: number, upToRef: number | null): Promise<ListMember[]> {
  const rows = await membersInRange.execute(tx, { listId, afterRef, ...(upToRef !== null && { upToRef }) });
  return rows.map((r) => ({ ref: r.product_ref, addedAt: r.added_at, removedAt: r.removed_at }));
}

/** A feed page to read: the next `size` products after `afterRef`, and what one list and POS say of them. */
export type FeedPageQuery = { afterRef: number; size: number; flag?: 'top' | 'new'; listId: number; posId: number };

/** One keyset page of a feed. */
export type FeedPage = {
  /**
   * Products in ref order, not at end of life (and with the flag, when asked). Products without a price
   * in the POS's currency are here too: the POS's rules (posPriceOf) leave them out.
   */
  products: Product[];
  /** The last ref the page covers; null when nothing is left after it (the page covers every ref above afterRef). */
  upToRef: number | null;
  /** The POS's sale price overrides of the page's products, by ref. */
  overrides: Map<number, number>;
  /** The list's members in (afterRef, upToRef], in ref order. */
  members: ListMember[];
};

function groupByRef<T extends { product_ref: number }>(rows: readonly T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const row of rows) {
    const group = out.get(row.product_ref);
    if (group) group.push(row);
    else out.set(row.product_ref, [row]);
  }
  return out;
}

/** The refs a page's rows are read for: a range, narrowed to the page's own refs when given. */
type PageRefs = { afterRef: number; lastRef: number; only?: readonly number[] };

type ChildTable = 'product_texts' | 'product_categories' | 'product_operating_systems' | 'product_prices' | 'product_files' | 'product_relations';

/**
 * A range on the leading column of each child table's primary key (not an IN list of the page's refs):
 * one index range per table, and a plan PostgreSQL picks well even before the tables were first
 * analysed. A page that skips most refs of its range (a Top or New list) also lists its refs, so the
 * children of the products it skips are not read.
 */
function inPage(eb: ExpressionBuilder<Database, ChildTable>, { afterRef, lastRef, only }: PageRefs): Expression<SqlBool> {
  const range = [eb('product_ref', '>', afterRef), eb('product_ref', '<=', lastRef)];
  return eb.and(only === undefined ? range : [...range, eb('product_ref', 'in', only)]);
}

// A feed reads every one of these once per page: compiled once (and named statements on PostgreSQL).
const pageTexts = prepareQuery((db, refs: PageRefs) => db.selectFrom('product_texts')
  .select(['product_ref', 'language', 'name', 'short_description', 'long_description'])
  .where((eb) => inPage(eb, refs)).orderBy('product_ref').orderBy('language'));
const pageCategories = prepareQuery((db, refs: PageRefs) => db.selectFrom('product_categories').select(['product_ref', 'category_id'])
  .where((eb) => inPage(eb, refs)).orderBy('product_ref').orderBy('position'));
const pageSystems = prepareQuery((db, refs: PageRefs) => db.selectFrom('product_operating_systems').select(['product_ref', 'os_id'])
  .where((eb) => inPage(eb, refs)).orderBy('product_ref').orderBy('position'));
const pagePrices = prepareQuery((db, refs: PageRefs) => db.selectFrom('product_prices').selectAll()
  .where((eb) => inPage(eb, refs)).orderBy('product_ref').orderBy('currency'));
const pageFiles = prepareQuery((db, refs: PageRefs) => db.selectFrom('product_files').selectAll()
  .where((eb) => inPage(eb, refs)).orderBy('product_ref').orderBy('position'));
const pageRelations = prepareQuery((db, refs: PageRefs) => db.selectFrom('product_relations').select(['product_ref', 'related_ref', 'kind'])
  .where((eb) => inPage(eb, refs)).orderBy('product_ref').orderBy('position'));
const pageOverrides = prepareQuery((db, { posId, afterRef, lastRef }: { posId: number; afterRef: number; lastRef: number }) => db
  .selectFrom('pos_prices').select(['product_ref', 'sale_minor'])
  .where('pos_id', '=', posId).where('product_ref', '>', afterRef).where('product_ref', '<=', lastRef));

/** A page's child rows, by ref: one query per table, all at once. */
async function findPageChildren(tx: Tx, refs: PageRefs): Promise<ProductChildRows> {
  const [texts, categories, systems, prices, files, relations] = await Promise.all([
    pageTexts.execute(tx, refs), pageCategories.execute(tx, refs), pageSystems.execute(tx, refs),
    pagePrices.execute(tx, refs), pageFiles.execute(tx, refs), pageRelations.execute(tx, refs),
  ]);
  return {
    texts: groupByRef(texts), categories: groupByRef(categories), systems: groupByRef(systems),
    prices: groupByRef(prices), files: groupByRef(files), relations: groupByRef(relations),
  };
}

// Every column of products, checked against the table type: the JSON rows below name them one by one.
const PRODUCT_COLUMN_SET: Record<keyof ProductsTable, true> = {
  ref: true, publisher_id: true, type: true, status: true, release_date: true, version: true, number_of_users: true,
  license_lifetime: true, ean: true, drm: true, keywords: true, flag_new: true, flag_top: true, flag_promo: true,
  image_small: true, image_medium: true, image_big: true, screenshots: true, memory_mb: true, disk_mb: true,
  serials_per_unit: true, serial_source: true, serial_pattern: true, low_stock_threshold: true, remark: true,
  digital_locker_link: true, download_manager: true, new_serial_each_term: true, subscription_period: true,
  option_kind: true, option_duration: true, created_at: true, updated_at: true,
};
const PRODUCT_COLUMNS = Object.keys(PRODUCT_COLUMN_SET) as (keyof ProductsTable)[];

/** A page of products to read; `top` and `fresh` (the New flag), when given, are the flag a list wants set. */
type ProductsPage = { afterRef: number; size: number; top?: 1; fresh?: 1 };

/** The products of a page, before the columns are chosen. */
function pageOfProducts(db: Db, { afterRef, size, top, fresh }: ProductsPage) {
  let select = db.selectFrom('products').where('ref', '>', afterRef).where('status', '!=', 'end_of_life');
  if (top !== undefined) select = select.where('flag_top', '=', top);
  if (fresh !== undefined) select = select.where('flag_new', '=', fresh);
  return select.orderBy('ref').limit(size);
}
const pageProductColumns = prepareQuery((db, page: ProductsPage) => pageOfProducts(db, page).selectAll());
const pageProductJson = prepareQuery((db, page: ProductsPage) => pageOfProducts(db, page)
  .select(sql<string>`json_object(${sql.join(PRODUCT_COLUMNS.flatMap((c) => [sql.lit(c), sql.ref(c)]))})`.as('row')));

/**
 * The products rows of a page: the next `size` after `afterRef`, not at end of life (and with the
 * flag, when asked), in ref order. The one place the engines differ: on SQLite each row comes as one
 * `json_object` text and is parsed, because better-sqlite3 builds a row object property by property
 * and a 33-column row cost more that way than JSON.parse of the same row (about 0.8 s against 0.5 s for
 * 100,000 rows); on PostgreSQL `json_build_object` measured slower than plain columns, so it reads them.
 */
async function findPageProducts(tx: Tx, query: FeedPageQuery): Promise<Selectable<ProductsTable>[]> {
  const page: ProductsPage = { afterRef: query.afterRef, size: query.size, ...(query.flag === 'top' && { top: 1 }), ...(query.flag === 'new' && { fresh: 1 }) };
  if (isPostgres(tx)) return pageProductColumns.execute(tx, page);
  const rows = await pageProductJson.execute(tx, page);
  return rows.map((r) => JSON.parse(r.row) as Selectable<ProductsTable>);
}

/**
 * The next keyset page of a feed: up to `size` products after `afterRef` with their texts, categories,
 * systems, prices, files and relations, the POS's price overrides and the list's members of the same
 * ref range. Two rounds of queries whatever the page size: the products, then the rest at once.
 */
export async function findFeedPage(tx: Tx, query: FeedPageQuery): Promise<FeedPage> {
  const { afterRef, size } = query;
  const rows = await findPageProducts(tx, query);
  const upToRef = rows.length < size ? null : rows[rows.length - 1]!.ref;
  if (rows.length === 0) return { products: [], upToRef, overrides: new Map(), members: await listMembers(tx, query.listId, afterRef, upToRef) };
  const refs: PageRefs = { afterRef, lastRef: rows[rows.length - 1]!.ref, ...(query.flag && { only: rows.map((r) => r.ref) }) };
  const [children, overrides, members] = await Promise.all([
    findPageChildren(tx, refs),
    pageOverrides.execute(tx, { posId: query.posId, afterRef, lastRef: refs.lastRef }),
    listMembers(tx, query.listId, afterRef, upToRef),
  ]);
  return {
    products: rows.map((row) => productOf(row, children)),
    upToRef,
    overrides: new Map(overrides.map((r) => [r.product_ref, r.sale_minor])),
    members,
  };
}

/** The list's members after `afterRef` (all of them, to the end), as a page without products. */
export async function findFeedTail(tx: Tx, listId: number, afterRef: number): Promise<FeedPage> {
  return { products: [], upToRef: null, overrides: new Map(), members: await listMembers(tx, listId, afterRef, null) };
}

/**
 * Records products that joined a list (again) and products that left it, at `now`. Joined refs are
 * inserted from the products table (an IN list compiles in a fraction of the time of as many VALUES
 * rows), bounded by their lowest and highest ref so that the products primary key is ranged over.
 */
export async function saveMemberChanges(tx: Tx, listId: number, joined: readonly number[], left: readonly number[], now: string): Promise<void> {
  const CHUNK = 1000;
  for (let i = 0; i < joined.length; i += CHUNK) {
    const refs = joined.slice(i, i + CHUNK);
    const [lowest, highest] = [Math.min(...refs), Math.max(...refs)];
    await tx.insertInto('product_list_members').columns(['list_id', 'product_ref', 'added_at'])
      .expression((eb) => eb.selectFrom('products').select([eb.val(listId).as('list_id'), 'ref', eb.val(now).as('added_at')])
        .where('ref', '>=', lowest).where('ref', '<=', highest).where('ref', 'in', refs))
      .onConflict((oc) => oc.columns(['list_id', 'product_ref']).doUpdateSet({ added_at: now, removed_at: null }))
      .execute();
  }
  for (let i = 0; i < left.length; i += CHUNK) {
    await tx.updateTable('product_list_members').set({ removed_at: now })
      .where('list_id', '=', listId).where('product_ref', 'in', left.slice(i, i + CHUNK)).execute();
  }
}

/** Notes a fetch sent to its last byte: `diff=last` starts from the latest such fetch's start. */
export async function markFetchComplete(tx: Tx, listId: number, startedAt: string): Promise<void> {
  await tx.updateTable('product_lists').set({ last_complete_fetch_at: startedAt })
    .where('id', '=', listId)
    .where((eb) => eb.or([eb('last_complete_fetch_at', 'is', null), eb('last_complete_fetch_at', '<', startedAt)]))
    .execute();
}
