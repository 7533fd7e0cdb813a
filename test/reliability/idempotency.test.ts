import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeShop, inSnapshot, openShop, raceClients, serverLogs, serialsOf, startShopServers, storeProblems, type ServerProcess, type Shop } from './support.js';

// Idempotency (quality.md §Reliability checks; rules.md §Orders; connect-api.md §6 "1010"): 50 createOrder
// calls with the same partnerOrderNumber racing over real HTTP, from 2 client processes (25 in flight
// each) → one order; the 49 others answer 1010 with its orderNumber and allocate nothing. SQLite: one
// `resell start` process; PostgreSQL: two on the same database, calls alternating between them.
// Several rounds, each with its own partnerOrderNumber, give the race several chances to go wrong.

const REF = 761_001;
const QUANTITY = 2;
const ROUNDS = 3;
const CALLS = 50;

let shop: Shop;
let servers: ServerProcess[] = [];

beforeAll(async () => {
  shop = await openShop([{ ref: REF, keys: 20 }]);
  servers = await startShopServers(shop);
});

afterAll(() => closeShop(servers, shop));

it(`creates one order from ${CALLS} racing calls with the same partnerOrderNumber; the other ${CALLS - 1} answer 1010 with its orderNumber and claim no key`, async () => {
  const { db } = shop.app;
  for (let round = 1; round <= ROUNDS; round++) {
    const pon = `SAME-${round}`;
    const results = await raceClients([0, 1].map(() => ({
      servers: servers.map((s) => s.url),
      partner: shop.partner,
      count: CALLS / 2,
      concurrency: CALLS / 2,
      lines: [{ productRef: REF, quantity: QUANTITY }],
      partnerOrderNumber: pon,
    })));

    expect(results).toHaveLength(CALLS);
    expect(results.filter((r) => r.status !== 201), serverLogs(servers)).toEqual([]);
    const created = results.filter((r) => r.body!.responseCode === 0);
    expect(created).toHaveLength(1);
    const winner = created[0]!.body!;
    expect(winner.partnerOrderNumber).toBe(pon);
    expect(serialsOf(winner)).toEqual([[expect.any(String)], [expect.any(String)]]);
    const others = results.filter((r) => r.body!.responseCode !== 0).map((r) => r.body);
    expect(others).toEqual(Array.from({ length: CALLS - 1 }, () => ({
      partnerOrderNumber: pon, orderNumber: winner.orderNumber, orderLines: [], downloadManager: null, responseCode: 1010, responseMessage: expect.any(String),
    })));

    const orders = await db.selectFrom('orders').select('order_number').where('partner_order_number', '=', pon).execute();
    expect(orders).toEqual([{ order_number: winner.orderNumber }]);
    // Keys were claimed for the winner only: exactly its units', tied to its line items.
    const claimed = await db.selectFrom('serial_keys as k')
      .leftJoin('line_items as i', 'i.id', 'k.line_item_id')
      .leftJoin('order_lines as l', 'l.id', 'i.order_line_id')
      .select(['k.sealed', 'l.order_number'])
      .where('k.assigned_at', 'is not', null)
      .execute();
    expect(claimed).toHaveLength(QUANTITY * round);
    const ofWinner = claimed.filter((k) => k.order_number === winner.orderNumber).map((k) => shop.app.keyring.decrypt(k.sealed));
    expect(ofWinner.sort()).toEqual(serialsOf(winner).flat().sort());
  }
  const all = await db.selectFrom('orders').select('partner_order_number').orderBy('partner_order_number').execute();
  expect(all.map((o) => o.partner_order_number)).toEqual(Array.from({ length: ROUNDS }, (_, i) => `SAME-${i + 1}`));
  expect(await inSnapshot(db, storeProblems)).toEqual([]);
}, 60_000);
