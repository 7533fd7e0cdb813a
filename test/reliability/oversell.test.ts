import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeShop, countRows, inSnapshot, openShop, raceClients, serialsOf, serverLogs, startShopServers, storeProblems, type ServerProcess, type Shop } from './support.js';

// No overselling (quality.md §Reliability checks; rules.md §Stock): a pool of 500 keys, 2,000 createOrder
// calls of one unit racing over real HTTP from 4 client processes (each with its own token, 100 calls
// in flight each). SQLite: one `resell start` process. PostgreSQL: two processes on the same
// database, calls alternating between them. Rate limiting is off (the POS default).

const REF = 760_001;
const KEYS = 500;
const CLIENTS = 4;
const CALLS_PER_CLIENT = 500;
const IN_FLIGHT_PER_CLIENT = 100;

let shop: Shop;
let servers: ServerProcess[] = [];

beforeAll(async () => {
  shop = await openShop([{ ref: REF, keys: KEYS }]);
  servers = await startShopServers(shop);
});

afterAll(() => closeShop(servers, shop));

it(`accepts exactly ${KEYS} of ${CLIENTS * CALLS_PER_CLIENT} racing one-unit orders, each key once, and refuses the rest with 1044 holding nothing`, async () => {
  const results = await raceClients(Array.from({ length: CLIENTS }, (_, client) => ({
    servers: servers.map((s) => s.url),
    partner: shop.partner,
    count: CALLS_PER_CLIENT,
    concurrency: IN_FLIGHT_PER_CLIENT,
    lines: [{ productRef: REF, quantity: 1 }],
    ponPrefix: `OVERSELL-${client}`,
  })));

  expect(results).toHaveLength(CLIENTS * CALLS_PER_CLIENT);
  expect(results.filter((r) => r.status !== 201), serverLogs(servers)).toEqual([]);
  const accepted = results.filter((r) => r.body!.responseCode === 0);
  const refused = results.filter((r) => r.body!.responseCode !== 0);
  expect(accepted).toHaveLength(KEYS);
  expect(refused.map((r) => r.body)).toEqual(refused.map((r) => ({
    partnerOrderNumber: r.pon, orderNumber: null, orderLines: [], downloadManager: null, responseCode: 1044, responseMessage: expect.any(String),
  })));

  // Each accepted answer: its own order number, one line of one unit holding one key.
  for (const { pon, body } of accepted) {
    expect(body).toMatchObject({ partnerOrderNumber: pon, orderNumber: expect.any(Number), orderLines: [{ productRef: REF }] });
    expect(serialsOf(body!)).toEqual([[expect.any(String)]]);
  }
  expect(new Set(accepted.map((r) => r.body!.orderNumber)).size).toBe(KEYS);
  const answeredSerials = accepted.flatMap((r) => serialsOf(r.body!).flat());
  expect(new Set(answeredSerials).size).toBe(KEYS);
  expect([...answeredSerials].sort()).toEqual([...shop.keys.get(REF)!].sort());

  // The store: every key assigned once, to the order that answered it; nothing kept for refused calls.
  const { db, keyring } = shop.app;
  const keys = await db.selectFrom('serial_keys').select(['assigned_at', 'line_item_id', 'sealed']).where('product_ref', '=', REF).execute();
  expect(keys).toHaveLength(KEYS);
  expect(keys.filter((k) => k.line_item_id === null || k.assigned_at === null)).toEqual([]);
  expect(new Set(keys.map((k) => k.line_item_id)).size).toBe(KEYS);
  const heldBy = await db.selectFrom('serial_keys as k')
    .innerJoin('line_items as i', 'i.id', 'k.line_item_id')
    .innerJoin('order_lines as l', 'l.id', 'i.order_line_id')
    .innerJoin('orders as o', 'o.order_number', 'l.order_number')
    .select(['o.partner_order_number', 'k.sealed'])
    .execute();
  const keyOfOrder = new Map(heldBy.map((row) => [row.partner_order_number, keyring.decrypt(row.sealed)]));
  expect(keyOfOrder).toEqual(new Map(accepted.map((r) => [r.pon, serialsOf(r.body!)[0]![0]])));
  expect(await countRows(db, 'orders')).toBe(KEYS);
  expect(await countRows(db, 'line_items')).toBe(KEYS);
  expect(await inSnapshot(db, storeProblems)).toEqual([]);
}, 110_000);
