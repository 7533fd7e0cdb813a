import type { CompiledQuery, Insertable, Selectable } from 'kysely';
import { prepareQuery } from '../../db/prepared.js';
import type { LedgerEntriesTable, LineItemsTable, OrderLinesTable, OrdersTable, Tx } from '../../db/schema.js';
import { isPossibleOrderNumber } from './order.js';

export type OrderRow = Selectable<OrdersTable>;
export type OrderLineRow = Selectable<OrderLinesTable>;

/** The order number of a partner's order (or renewal order) with this partnerOrderNumber, if any. */
export async function findOrderNumber(tx: Tx, partnerId: number, partnerOrderNumber: string): Promise<number | undefined> {
  return (await orderNumberOf.executeTakeFirst(tx, { partnerId, partnerOrderNumber }))?.order_number;
}

// The queries of placing and reading an order are compiled once: they run at every call.
type PartnerOrder = { partnerId: number; partnerOrderNumber: string };
const orderNumberOf = prepareQuery((db, { partnerId, partnerOrderNumber }: PartnerOrder) => db
  .selectFrom('orders').select('order_number').where('partner_id', '=', partnerId).where('partner_order_number', '=', partnerOrderNumber));
const orderOf = prepareQuery((db, { partnerId, partnerOrderNumber }: PartnerOrder) => db
  .selectFrom('orders').selectAll().where('partner_id', '=', partnerId).where('partner_order_number', '=', partnerOrderNumber));

/** A partner's order by partnerOrderNumber; a number no order can have is not looked up. */
export async function findOrder(tx: Tx, partnerId: number, partnerOrderNumber: string): Promise<OrderRow | undefined> {
  if (!isPossibleOrderNumber(partnerOrderNumber)) return undefined;
  return orderOf.executeTakeFirst(tx, { partnerId, partnerOrderNumber });
}

/**
 * The order row, locked until the transaction ends (a no-op UPDATE … RETURNING locks on both
 * engines), so two changes of one order run one after the other.
 */
export async function lockOrder(tx: Tx, partnerId: number, partnerOrderNumber: string): Promise<OrderRow | undefined> {
  if (!isPossibleOrderNumber(partnerOrderNumber)) return undefined;
  return tx.updateTable('orders')
    .set((eb) => ({ status: eb.ref('status') }))
    .where('partner_id', '=', partnerId)
    .where('partner_order_number', '=', partnerOrderNumber)
    .returningAll()
    .executeTakeFirst();
}

export async function insertOrder(tx: Tx, row: Insertable<OrdersTable>): Promise<number> {
  return (await newOrder.executeTakeFirst(tx, row))!.order_number;
}

export async function insertOrderLine(tx: Tx, row: Insertable<OrderLinesTable>): Promise<number> {
  return (await newOrderLine.executeTakeFirst(tx, row))!.id;
}

export async function insertLineItem(tx: Tx, row: Insertable<LineItemsTable>): Promise<number> {
  return (await newLineItem.executeTakeFirst(tx, row))!.id;
}

export async function insertDownloadGrants(tx: Tx, orderNumber: number, orderLineId: number, fileIds: readonly number[]): Promise<Map<number, number>> {
  if (fileIds.length === 0) return new Map();
  const rows = await newDownloadGrants.execute(tx, { orderNumber, orderLineId, fileIds });
  return new Map(rows.map((r) => [r.product_file_id, r.id]));
}

/** What a partner owes for an order or a renewal, in the partner's ledger. */
export async function insertLedgerEntry(tx: Tx, row: Insertable<LedgerEntriesTable>): Promise<void> {
  await tx.executeQuery(ledgerEntryInsert(tx, row));
}

/** The insert of a ledger entry, to run with other appends (runTogether). */
export function ledgerEntryInsert(tx: Tx, row: Insertable<LedgerEntriesTable>): CompiledQuery {
  return newLedgerEntry.compile(tx, row);
}

const newOrder = prepareQuery((db, row: Insertable<OrdersTable>) => db.insertInto('orders').values(row).returning('order_number'));
const newOrderLine = prepareQuery((db, row: Insertable<OrderLinesTable>) => db.insertInto('order_lines').values(row).returning('id'));
const newLineItem = prepareQuery((db, row: Insertable<LineItemsTable>) => db.insertInto('line_items').values(row).returning('id'));
const newLedgerEntry = prepareQuery((db, row: Insertable<LedgerEntriesTable>) => db.insertInto('ledger_entries').values(row));
const newDownloadGrants = prepareQuery((db, { orderNumber, orderLineId, fileIds }: { orderNumber: number; orderLineId: number; fileIds: readonly number[] }) => db
  .insertInto('download_grants')
  .values(fileIds.map((id) => ({ order_number: orderNumber, order_line_id: orderLineId, product_file_id: id, start_count: 0, complete_count: 0 })))
  .returning(['id', 'product_file_id']));

/** Everything of an order its answer shows, in a fixed number of queries. */
export async function loadOrderParts(tx: Tx, orderNumber: number) {
  const [lines, items, grants] = await Promise.all([
    linesOf.execute(tx, { orderNumber }),
    lineItemsOf.execute(tx, { orderNumber }),
    grantsOf.execute(tx, { orderNumber }),
  ]);
  return { lines, items, grants };
}

type OfOrder = { orderNumber: number };
const linesOf = prepareQuery((db, { orderNumber }: OfOrder) => db
  .selectFrom('order_lines').selectAll().where('order_number', '=', orderNumber).orderBy('position'));
const lineItemsOf = prepareQuery((db, { orderNumber }: OfOrder) => db
  .selectFrom('line_items as i').innerJoin('order_lines as l', 'l.id', 'i.order_line_id')
  .select(['i.id', 'i.order_line_id', 'i.position', 'i.subscription_id', 'i.serials_of_line_item_id']).where('l.order_number', '=', orderNumber).orderBy('i.position'));
const grantsOf = prepareQuery((db, { orderNumber }: OfOrder) => db
  .selectFrom('download_grants as g').innerJoin('product_files as f', 'f.id', 'g.product_file_id')
  .select(['g.id', 'g.order_line_id', 'f.label', 'f.type', 'f.file_group', 'f.size_bytes', 'f.position'])
  .where('g.order_number', '=', orderNumber).orderBy('f.position'));
