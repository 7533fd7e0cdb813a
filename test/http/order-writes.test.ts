import type { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Tx } from '../../src/db/schema.js';
import { readOrderRequest } from '../../src/http/connect/order-request.js';
import { onPostgres } from '../support/database.js';
import { orderBody, orderLine } from '../support/orders.js';
import { givenKeys, givenProduct } from '../support/products.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// An order's numbers are taken before its rows are written (reserveOrder), so that its rows go to the
// database together (issue 6): on PostgreSQL one statement instead of a round trip per row.

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

/** `tx`, noting the SQL of every compiled query run through it (prepared queries and runTogether run so). */
function noting(tx: Tx, seen: string[]): Tx {
  return new Proxy(tx, {
    get(target, property) {
      if (property === 'executeQuery') return (query: CompiledQuery) => { seen.push(query.sql); return target.executeQuery(query); };
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const ROW_TABLES = ['orders', 'order_lines', 'line_items', 'ledger_entries', 'outbox_events', 'audit_log'];
const insertsInto = (sql: string) => ROW_TABLES.filter((table) => sql.includes(`insert into "${table}"`));

it('writes an order\'s row, lines, units, ledger entry, event and audit entry in one statement on PostgreSQL, one each on SQLite, and claims each line\'s keys in one (the first with the rows on PostgreSQL), each row tied to its own', async () => {
  const partner = await t.given.partner();
  const [first, second] = [await givenProduct(t.app.db), await givenProduct(t.app.db)];
  await givenKeys(t.app, first!.ref, 3);
  await givenKeys(t.app, second!.ref, 3);
  const caller = { partner: await t.app.partners.getPartner(t.app.db, partner.partnerId), pos: await t.app.partners.getPointOfSale(t.app.db, partner.posId) };
  const input = readOrderRequest(orderBody([orderLine(first!.ref, 2), orderLine(second!.ref, 3)]), { needsDelivery: () => false });

  const seen: string[] = [];
  const answer = await t.app.db.transaction().execute((tx) => t.app.orders.placeOrder(noting(tx, seen), caller, input));

  const writing = seen.filter((sql) => insertsInto(sql).length > 0);
  if (onPostgres) expect(writing.map(insertsInto)).toEqual([ROW_TABLES]);
  else expect(writing.map(insertsInto)).toEqual([['orders'], ['order_lines'], ['line_items'], ['order_lines'], ['line_items'], ['ledger_entries'], ['outbox_events'], ['audit_log']]);
  // The keys of a line's units in one claim: one per line, not one per unit; on PostgreSQL the first
  // line's claim goes in the statement of the rows.
  const claims = seen.filter((sql) => sql.includes('update "serial_keys"'));
  expect(claims).toHaveLength(2);
  if (onPostgres) expect(claims[0]).toBe(writing[0]);
  // The numbers taken are the ones stored, each unit under its line, each key on its unit.
  const lines = await t.app.db.selectFrom('order_lines').select(['id', 'product_ref', 'quantity']).where('order_number', '=', answer.orderNumber).orderBy('position').execute();
  expect(lines.map((l) => [l.product_ref, l.quantity])).toEqual([[first!.ref, 2], [second!.ref, 3]]);
  const units = await t.app.db.selectFrom('line_items').select(['id', 'order_line_id']).where('order_line_id', 'in', lines.map((l) => l.id)).orderBy('id').execute();
  expect(units.map((u) => u.order_line_id)).toEqual([lines[0]!.id, lines[0]!.id, lines[1]!.id, lines[1]!.id, lines[1]!.id]);
  const keys = await t.app.db.selectFrom('serial_keys').select(['line_item_id', 'product_ref']).where('line_item_id', 'in', units.map((u) => u.id)).orderBy('line_item_id').execute();
  expect(keys.map((k) => [k.line_item_id, k.product_ref])).toEqual(units.map((u) => [u.id, u.order_line_id === lines[0]!.id ? first!.ref : second!.ref]));
  const ledger = await t.app.db.selectFrom('ledger_entries').select('order_number').where('order_number', '=', answer.orderNumber).execute();
  expect(ledger).toHaveLength(1);
});
