import type { Selectable } from 'kysely';
import type { FeedFormatsTable, ProductListsTable, Tx } from '../../db/schema.js';
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

/** The products a list has sent with a ref in (afterRef, upToRef] (upToRef null: no upper end), in ref order. */
export async function listMembers(tx: Tx, listId: number, afterRef: number, upToRef: number | null): Promise<ListMember[]> {
  let query = tx.selectFrom('product_list_members').select(['product_ref', 'added_at', 'removed_at'])
    .where('list_id', '=', listId).where('product_ref', '>', afterRef);
  if (upToRef !== null) query = query.where('product_ref', '<=', upToRef);
  const rows = await query.orderBy('product_ref').execute();
  return rows.map((r) => ({ ref: r.product_ref, addedAt: r.added_at, removedAt: r.removed_at }));
}

/** Records products that joined a list (again) and products that left it, at `now`. */
export async function saveMemberChanges(tx: Tx, listId: number, joined: readonly number[], left: readonly number[], now: string): Promise<void> {
  const CHUNK = 500;
  for (let i = 0; i < joined.length; i += CHUNK) {
    await tx.insertInto('product_list_members')
      .values(joined.slice(i, i + CHUNK).map((ref) => ({ list_id: listId, product_ref: ref, added_at: now, removed_at: null })))
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
