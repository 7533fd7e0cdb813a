import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { onPostgres } from '../support/database.js';
import {
  connectSession, killStrayProcesses, openShop, raceClients, startOrderClient, startServer, storeProblems, inSnapshot,
  type CallResult, type ServerProcess, type Shop,
} from './support.js';

// Crash safety (quality.md §Reliability checks; rules.md §Orders "atomic"): `kill -9` the server while a
// client process streams orders (20 in flight), once it has seen 50 of them accepted; restart on the
// same database (the SQLite file in WAL mode, or the PostgreSQL schema). Every order answered 201 with
// responseCode 0 must be there with the same answer and serials; no key is both free and taken; no
// order is half written. Each order has two lines (1 unit of a one-key product, 2 units of a two-key
// product), so a torn order would show as a line, a unit or a key missing. Three kill/restart cycles
// give the kill several chances to land inside a transaction.

const ONE_KEY = 762_001;
const TWO_KEYS = 762_002;
const LINES = [{ productRef: ONE_KEY, quantity: 1 }, { productRef: TWO_KEYS, quantity: 2 }];
const KEYS_PER_ORDER = 1 + 2 * 2;
const CYCLES = 3;
/** More calls per cycle than can pass before the kill, so the stream is surely running when it lands. */
const CALLS = 1000;
const IN_FLIGHT = 20;
const ACCEPTED_BEFORE_KILL = 50;

let shop: Shop;
let server: ServerProcess | undefined;
const role = onPostgres ? 'api' : 'all';

beforeAll(async () => {
  shop = await openShop([{ ref: ONE_KEY, keys: 500 }, { ref: TWO_KEYS, keys: 2000, serialsPerUnit: 2 }]);
});

afterAll(async () => {
  await server?.stop();
  await killStrayProcesses();
  await shop?.close();
});

it('runs the database as the product does, the setting the crash check is about (SQLite: WAL, synchronous FULL; PostgreSQL: synchronous_commit on)', async () => {
  const { db } = shop.app;
  const settings = onPostgres
    ? (await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(db)).rows
    : [...(await sql`pragma journal_mode`.execute(db)).rows, ...(await sql`pragma synchronous`.execute(db)).rows];
  expect(settings).toEqual(onPostgres ? [{ synchronous_commit: 'on' }] : [{ journal_mode: 'wal' }, { synchronous: 2 }]);
});

it(`keeps every accepted order whole and no key half-taken when the server is killed (SIGKILL) mid-stream and restarted, ${CYCLES} times`, async () => {
  const sent: CallResult[] = [];
  const accepted: CallResult[] = [];
  server = await startServer(shop.env, role);
  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    const killed = server;
    const client = startOrderClient({ servers: [killed.url], partner: shop.partner, count: CALLS, concurrency: IN_FLIGHT, lines: LINES, ponPrefix: `CRASH-${cycle}` });
    let acceptedSoFar = 0;
    let crash: Promise<unknown> | undefined;
    client.onResult((result) => {
      if (result.body?.responseCode === 0) acceptedSoFar++;
      if (acceptedSoFar === ACCEPTED_BEFORE_KILL && !crash) crash = killed.crash();
    });
    await client.ready;
    client.go();
    const results = await client.finished;
    expect(crash, `the server never accepted ${ACCEPTED_BEFORE_KILL} orders:\n${killed.output()}`).toBeDefined();
    expect(await crash).toEqual({ code: null, signal: 'SIGKILL' });

    const answered = results.filter((r) => r.status !== undefined);
    // The kill landed while calls were still going: some got no answer at all.
    expect(answered.length).toBeLessThan(CALLS);
    expect(answered.filter((r) => r.status !== 201 || r.body!.responseCode !== 0)).toEqual([]);
    expect(answered.length).toBeGreaterThanOrEqual(ACCEPTED_BEFORE_KILL);
    sent.push(...results);
    accepted.push(...answered);

    server = await startServer(shop.env, role);
    const session = await connectSession(server.url, shop.partner);
    for (const { pon, body } of answered) {
      const read = await session.getOrder(pon);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(body);
    }
    await expectWholeStore(sent, accepted);
  }

  // The last restarted server goes on taking orders from the same pools.
  const after = await raceClients([{ servers: [server.url], partner: shop.partner, count: 20, concurrency: 5, lines: LINES, ponPrefix: 'AFTER' }]);
  expect(after.map((r) => [r.status, r.body?.responseCode])).toEqual(after.map(() => [201, 0]));
  await expectWholeStore([...sent, ...after], [...accepted, ...after]);
}, 110_000);

/**
 * The store after the crash: every accepted order is stored, nothing else than what the client sent,
 * each order whole (storeProblems), and exactly its keys taken: no key free and tied, taken and untied,
 * or taken without an order to show for it.
 */
async function expectWholeStore(sent: CallResult[], accepted: CallResult[]): Promise<void> {
  const { orders, problems, taken } = await inSnapshot(shop.app.db, async (tx) => ({
    orders: await tx.selectFrom('orders').select('partner_order_number').execute(),
    problems: await storeProblems(tx),
    taken: await tx.selectFrom('serial_keys').select(['product_ref']).where('assigned_at', 'is not', null).execute(),
  }));
  const stored = new Set(orders.map((o) => o.partner_order_number));
  for (const { pon } of accepted) expect(stored.has(pon), pon).toBe(true);
  const sentPons = new Set(sent.map((r) => r.pon));
  expect([...stored].filter((pon) => !sentPons.has(pon))).toEqual([]);
  expect(problems).toEqual([]);
  expect(taken.length).toBe(KEYS_PER_ORDER * stored.size);
  expect(taken.filter((k) => k.product_ref === ONE_KEY).length).toBe(stored.size);
}
