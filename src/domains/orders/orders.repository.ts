import { sql, type Compilable, type CompiledQuery, type Insertable, type Selectable } from 'kysely';
import { isPostgres } from '../../db/engine.js';
import { prepareQuery } from '../../db/prepared.js';
import type { Db, LedgerEntriesTable, LineItemsTable, OrderLinesTable, OrdersTable, Tx } from '../../db/schema.js';
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

/** Numbers of a new order, taken before any of its rows is written: its own, then its lines' and units' ids, in order. */
export type OrderNumbers = { orderNumber: number; lineIds: number[]; itemIds: number[] };

/**
 * Takes the numbers of a new order of `lines` lines and `items` units, and reads, in the same
 * statement, the order the partner may already have under this partnerOrderNumber (createOrder's
 * 1010). With its numbers known, every row of an order can be written in one statement
 * (runTogether) instead of one per row, each waiting for the id the one before returned: on
 * PostgreSQL a round trip each. PostgreSQL takes them from the tables' sequences (a number taken by
 * an order that is then refused or rolled back is never used, as with any sequence); SQLite from
 * `sqlite_sequence`, which nothing but the writers' transaction moves meanwhile.
 */
export async function reserveOrder(tx: Tx, reservation: Reservation): Promise<OrderNumbers & { existing: number | undefined }> {
  const row = (await orderNumbersTaken.executeTakeFirst(tx, reservation))!;
  return { existing: row.existing ?? undefined, ...numbersOf(tx, row, reservation) };
}

type Reservation = PartnerOrder & { lines: number; items: number };
type TakenNumbers = {
  order_number?: number; line_ids?: number[]; item_ids?: number[];
  last_order_number?: number | null; last_line_id?: number | null; last_item_id?: number | null;
};

/** The columns that take an order's numbers, for `lines` lines and `items` units: from sequences, or (SQLite) after the last taken. */
function numberColumns(db: Db, lines: number, items: number) {
  return isPostgres(db)
    ? [
      sql<number>`nextval(pg_get_serial_sequence('orders', 'order_number'))`.as('order_number'),
      sql<number[]>`array(select nextval(pg_get_serial_sequence('order_lines', 'id'))::integer from generate_series(1, cast(${lines} as integer)))`.as('line_ids'),
      sql<number[]>`array(select nextval(pg_get_serial_sequence('line_items', 'id'))::integer from generate_series(1, cast(${items} as integer)))`.as('item_ids'),
    ]
    : [
      sql<number | null>`(select seq from sqlite_sequence where name = 'orders')`.as('last_order_number'),
      sql<number | null>`(select seq from sqlite_sequence where name = 'order_lines')`.as('last_line_id'),
      sql<number | null>`(select seq from sqlite_sequence where name = 'line_items')`.as('last_item_id'),
    ];
}

function numbersOf(tx: Tx, row: TakenNumbers, { lines, items }: { lines: number; items: number }): OrderNumbers {
  if (isPostgres(tx)) return { orderNumber: row.order_number!, lineIds: row.line_ids!, itemIds: row.item_ids! };
  // AUTOINCREMENT never reuses a number: the next ones follow the last ever taken.
  const after = (last: number | null, count: number) => Array.from({ length: count }, (_, i) => (last ?? 0) + i + 1);
  return { orderNumber: after(row.last_order_number ?? null, 1)[0]!, lineIds: after(row.last_line_id ?? null, lines), itemIds: after(row.last_item_id ?? null, items) };
}

const orderNumbersTaken = prepareQuery((db, { partnerId, partnerOrderNumber, lines, items }: Reservation) => db.selectNoFrom((eb) => [
  eb.selectFrom('orders').select('order_number').where('partner_id', '=', partnerId).where('partner_order_number', '=', partnerOrderNumber).as('existing'),
  ...numberColumns(db, lines, items),
]) as unknown as Compilable<TakenNumbers & { existing: number | null }>);

/** What a renewal order takes over from the subscription's original order. */
export type RenewedFrom = Pick<OrderRow, 'customer' | 'marketing_program_id' | 'affiliate_id'>;

type RenewalReservation = { partnerId: number; originalOrderNumber: number; preferred: string; fallback: string };

const renewalNumbersTaken = prepareQuery((db, { partnerId, originalOrderNumber, preferred }: Omit<RenewalReservation, 'fallback'>) => db.selectNoFrom((eb) => {
  const original = (column: keyof RenewedFrom) => eb.selectFrom('orders').select(column).where('order_number', '=', originalOrderNumber).as(column);
  const taken = (partnerOrderNumber: string) => eb.selectFrom('orders').select('order_number').where('partner_id', '=', partnerId).where('partner_order_number', '=', partnerOrderNumber);
  return [original('customer'), original('marketing_program_id'), original('affiliate_id'), eb.exists(taken(preferred)).as('preferred_taken'), ...numberColumns(db, 1, 1)];
}) as unknown as Compilable<TakenNumbers & RenewedFrom & { preferred_taken: boolean | number }>);

/**
 * The numbers of a renewal order of one unit (as reserveOrder), in the same statement as what it takes
 * over from the original order and whether its preferred partnerOrderNumber is taken already (the
 * partner may have used it for an order of its own): then the fallback is its number.
 */
export async function reserveRenewal(tx: Tx, reservation: RenewalReservation): Promise<OrderNumbers & { partnerOrderNumber: string; original: RenewedFrom }> {
  const { fallback, ...asked } = reservation;
  const row = (await renewalNumbersTaken.executeTakeFirst(tx, asked))!;
  return {
    ...numbersOf(tx, row, { lines: 1, items: 1 }),
    partnerOrderNumber: row.preferred_taken === true || row.preferred_taken === 1 ? fallback : asked.preferred,
    original: { customer: row.customer, marketing_program_id: row.marketing_program_id, affiliate_id: row.affiliate_id },
  };
}

/** The insert of an order's row, its number taken (reserveOrder): to run with its other rows (runTogether). */
export function orderInsert(tx: Tx, row: Insertable<OrdersTable> & { order_number: number }): CompiledQuery {
  return newOrder.compile(tx, row);
}

/** The insert of an order line, its id taken (reserveOrder). */
export function orderLineInsert(tx: Tx, row: Insertable<OrderLinesTable> & { id: number }): CompiledQuery {
  return newOrderLine.compile(tx, row);
}

/** The insert of a line's units (line items), their ids taken (reserveOrder), positions from 0. */
export function lineItemsInsert(tx: Tx, units: LineUnits): CompiledQuery {
  return newLineItems.compile(tx, { ...units, positions: units.ids.map((_, position) => position) });
}

type LineUnits = { ids: readonly number[]; orderLineId: number; subscriptionId: number | null; serialsOf: number | null };

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

const newOrder = prepareQuery((db, row: Insertable<OrdersTable>) => db.insertInto('orders').values(row));
const newOrderLine = prepareQuery((db, row: Insertable<OrderLinesTable>) => db.insertInto('order_lines').values(row));
const newLineItems = prepareQuery((db, { ids, positions, orderLineId, subscriptionId, serialsOf }: LineUnits & { positions: readonly number[] }) => db
  .insertInto('line_items')
  .values(ids.map((id, i): Insertable<LineItemsTable> => ({ id, order_line_id: orderLineId, position: positions[i]!, subscription_id: subscriptionId, serials_of_line_item_id: serialsOf }))));
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
