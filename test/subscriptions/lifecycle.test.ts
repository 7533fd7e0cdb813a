import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql, type Transaction } from 'kysely';
import type { Database, Db } from '../../src/db/schema.js';
import { demoDirectory, loadDemoCatalog, loadDemoKeys } from '../../src/demo/load-demo.js';
import { DAY, HOUR } from '../support/clock.js';
import { countingDb, onPostgres } from '../support/database.js';
import { claimForWorker } from '../../src/domains/subscriptions/subscriptions.repository.js';
import { createOrder, DEMO_REFS, getOrderData, orderBody, orderLine, type Json } from '../support/orders.js';
import { givenKeys, givenProduct, givenWeeklySubscription, givenYearlySubscription } from '../support/products.js';
import { connectCall, startTestApp, type TestApp, type TestPartner } from '../support/test-app.js';
import { bumpCatalogVersion } from '../../src/domains/catalog/index.js';
import { transactionPerUnit, type UnitsOfWork } from '../../src/db/units-of-work.js';

// Subscription lifecycles told as stories through the renewal worker (runDue) and the fixed clock
// (rules.md §Subscriptions, §Orders "Cancellation"; connect-api.md §7). Each test gets its own
// database, so what the worker reports counts this test's subscriptions only.

const START = '2026-05-31T10:00:00.000Z';

let t: TestApp;
let partner: TestPartner;

beforeEach(async () => {
  t = await startTestApp({ now: START });
  await loadDemoCatalog(t.app);
  await loadDemoKeys(t.app);
  partner = await t.given.partner();
});
afterEach(() => t.close());

const at = (iso: string, plusMs = 0) => new Date(new Date(iso).getTime() + plusMs).toISOString();
/** Wire date-time: ISO 8601 UTC without milliseconds. */
const wire = (iso: string) => iso.replace(/\.\d{3}Z$/, 'Z');

/** Runs the renewal worker once at `iso`. */
async function runDueAt(iso: string) {
  t.clock.set(iso);
  return t.app.subscriptions.runDue(t.app.units);
}

const NOTHING = { renewed: 0, failed: 0, expired: 0 };

type OrderAnswer = { orderNumber: number; responseCode: number; orderLines: { productRef: number; files: unknown[]; dateEndDownload: string; lineItems: { serials: { data: string }[]; subscriptionId: number | null }[] }[] };
type Placed = { pon: string; orderNumber: number; ids: number[]; answer: OrderAnswer };

async function order(lines: readonly (number | Json)[]): Promise<Placed> {
  const body = orderBody(lines);
  const res = await createOrder(t.server, partner, body);
  expect(res.statusCode).toBe(201);
  const answer = res.json() as OrderAnswer;
  expect(answer.responseCode).toBe(0);
  const ids = answer.orderLines.flatMap((l) => l.lineItems.map((i) => i.subscriptionId)).filter((id): id is number => id !== null);
  return { pon: body.partnerOrderNumber as string, orderNumber: answer.orderNumber, ids, answer };
}

async function orderData(pon: string): Promise<OrderAnswer> {
  const res = await getOrderData(t.server, partner, pon);
  expect(res.statusCode).toBe(200);
  return res.json() as OrderAnswer;
}

const serialsOf = (answer: OrderAnswer) => answer.orderLines.flatMap((l) => l.lineItems.flatMap((i) => i.serials.map((s) => s.data)));

async function status(pon: string, id: number): Promise<Json> {
  const res = await connectCall(t.server, partner, { method: 'POST', url: '/connect/subscription', body: { partnerOrderNumber: pon, subscriptionId: id } });
  expect(res.statusCode).toBe(200);
  return res.json() as Json;
}

const subscriptionCall = (method: 'POST' | 'PUT', url: string, pon: string, id: number) =>
  connectCall(t.server, partner, { method, url, body: { partnerOrderNumber: pon, subscriptionId: id } }).then((r) => r.json() as Json);
const renew = (pon: string, id: number) => subscriptionCall('POST', '/connect/subscription/renew', pon, id);
const cancelSubscription = (pon: string, id: number) => subscriptionCall('PUT', '/connect/subscription', pon, id);
const cancelOrder = (pon: string) =>
  connectCall(t.server, partner, { method: 'PUT', url: '/connect/order/cancel', body: { partnerOrderNumber: pon, reasonCode: 2 } }).then((r) => {
    expect(r.statusCode).toBe(200);
    return r.json() as Json;
  });
const refusedCancelOrder = (pon: string, code: number) => ({ partnerOrderNumber: pon, orderNumber: null, newDownloadEndDate: null, responseCode: code, responseMessage: expect.any(String) });

/** The outbox events of one subscription, oldest first: type and data. */
async function eventsOf(subscriptionId: number): Promise<{ type: string; data: Json; createdAt: string }[]> {
  const rows = await t.app.db.selectFrom('outbox_events').select(['type', 'payload']).where('type', 'like', 'subscription.%').orderBy('id').execute();
  return rows.map((r) => JSON.parse(r.payload) as { type: string; data: Json; createdAt: string })
    .filter((e) => e.data.subscriptionId === subscriptionId)
    .map(({ type, data, createdAt }) => ({ type, data, createdAt }));
}

const pooledYearly = (keys: number) => givenYearlySubscription(t.app, keys);
const weekly = () => givenWeeklySubscription(t.app.db);

async function freeKeys(productRef: number): Promise<number> {
  return (await t.app.db.selectFrom('serial_keys').select('id').where('product_ref', '=', productRef).where('line_item_id', 'is', null).execute()).length;
}

describe('starting subscriptions', () => {
  it('starts one per unit of a large order in two statements, each tied to its own line item', async () => {
    const plain = await givenProduct(t.app.db, { serialSource: 'generated', serialPattern: 'PL-XXXX-XXXX' });
    const weekly = await givenProduct(t.app.db, { subscriptionPeriod: 'P1W', serialSource: 'generated', serialPattern: 'WK-XXXX-XXXX' });
    const placed = await order([orderLine(plain.ref, 30), orderLine(plain.ref, 10)]);
    const items = await t.app.db.selectFrom('line_items').innerJoin('order_lines', 'order_lines.id', 'line_items.order_line_id')
      .select('line_items.id').where('order_lines.order_number', '=', placed.orderNumber).orderBy('line_items.id').execute();
    expect(items).toHaveLength(40);
    const counting = countingDb(t.app.db);
    const started = await counting.db.transaction().execute((tx) => t.app.subscriptions.startSubscriptions(tx, {
      orderNumber: placed.orderNumber, partnerOrderNumber: placed.pon, partnerId: partner.partnerId, posId: partner.posId,
      currency: 'EUR', receivedAt: new Date(START), units: items.map((item) => ({ lineItemId: item.id, product: weekly })),
    }));
    expect(counting.count()).toBe(2);
    expect(new Set(started.values()).size).toBe(40);
    const tied = await t.app.db.selectFrom('line_items').select(['id', 'subscription_id']).where('id', 'in', items.map((i) => i.id)).execute();
    expect(Object.fromEntries(tied.map((r) => [r.id, r.subscription_id]))).toEqual(Object.fromEntries(started));
    const rows = await t.app.db.selectFrom('subscriptions').select(['subscription_id', 'line_item_id', 'status', 'generation']).where('order_number', '=', placed.orderNumber).execute();
    expect(Object.fromEntries(rows.map((r) => [r.line_item_id, r.subscription_id]))).toEqual(Object.fromEntries(started));
    expect(rows.every((r) => r.status === 'ACTIVE' && r.generation === 0)).toBe(true);
  });
});

describe('what a renewal costs', () => {
  it('renews each due subscription in the same few statements whatever how many are due: five on PostgreSQL, thirteen on SQLite', async () => {
    // Two runs, of three due subscriptions and of six: what a run costs besides its renewals (the lease,
    // its end, a catalog read) is the same in both and falls out of the difference.
    const statementsOfRun = async (at: string, due: number) => {
      for (let i = 0; i < 3; i++) await order([DEMO_REFS.subscription]);
      t.clock.set(at);
      const counting = countingDb(t.app.db);
      expect(await t.app.subscriptions.runDue(transactionPerUnit(counting.db))).toEqual({ renewed: due, failed: 0, expired: 0 });
      return counting.count();
    };
    const three = await statementsOfRun('2027-05-31T10:00:00.000Z', 3);
    // The first three renew again (their second term) with three ordered since.
    const six = await statementsOfRun('2028-05-31T10:00:00.000Z', 6);
    // On SQLite statements cost no round trip, and an order's run one after another (runTogether).
    expect((six - three) / 3).toBe(onPostgres ? 5 : 13);
  });
});

describe('worker leases', () => {
  const EXPIRY = '2027-05-31T10:00:00.000Z';
  /** Whether a PostgreSQL session of this database waits for a row lock. */
  const lockWaiters = async () => (await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(t.app.db)).rows[0]!.n > 0;
  const leaseOf = async (id: number) => (await t.app.db.selectFrom('subscriptions').select('worker_lease_until').where('subscription_id', '=', id).executeTakeFirstOrThrow()).worker_lease_until;

  it('passes by a due subscription another worker holds, and takes it once that lease has ended', async () => {
    const [held, free] = [await order([DEMO_REFS.subscription]), await order([DEMO_REFS.subscription])];
    // Another worker took it a minute before expiry and has not finished it.
    await t.app.db.updateTable('subscriptions').set({ worker_lease_until: at(EXPIRY, 9 * 60_000) }).where('subscription_id', '=', held.ids[0]!).execute();
    expect(await runDueAt(EXPIRY)).toEqual({ renewed: 1, failed: 0, expired: 0 });
    expect(await status(held.pon, held.ids[0]!)).toMatchObject({ generation: 0 });
    expect(await status(free.pon, free.ids[0]!)).toMatchObject({ generation: 1 });
    expect(await runDueAt(at(EXPIRY, 9 * 60_000 - 1))).toEqual(NOTHING);
    expect(await runDueAt(at(EXPIRY, 9 * 60_000))).toEqual({ renewed: 1, failed: 0, expired: 0 });
    expect(await status(held.pon, held.ids[0]!)).toMatchObject({ generation: 1 });
  });

  it('takes a subscription whose lease ends further ahead than any lease taken now would (left by a run with its clock ahead)', async () => {
    const placed = await order([DEMO_REFS.subscription]);
    await t.app.db.updateTable('subscriptions').set({ worker_lease_until: at(EXPIRY, 30 * DAY) }).where('subscription_id', '=', placed.ids[0]!).execute();
    expect(await runDueAt(EXPIRY)).toEqual({ renewed: 1, failed: 0, expired: 0 });
    expect(await leaseOf(placed.ids[0]!)).toBeNull();
  });

  it('locks a leased subscription for its work by waiting for whoever holds the row, never passing it by', async () => {
    // Another worker's lease statement locks rows it looks at and passes by until it commits: a worker
    // that skipped a locked row it leased would leave that subscription to nobody.
    const placed = await order([DEMO_REFS.subscription]);
    const id = placed.ids[0]!;
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    let taken!: () => void;
    const locked = new Promise<void>((resolve) => { taken = resolve; });
    const holder = t.app.db.transaction().execute(async (tx) => {
      await claimForWorker(tx, id, onPostgres);
      taken();
      await released;
    });
    await locked;
    const claim = t.app.db.transaction().execute((tx) => claimForWorker(tx, id, onPostgres));
    // Released once the claim waits for the lock (PostgreSQL shows it waiting; on SQLite the second
    // transaction waits for the one connection) or, as it would if it skipped the row, has answered.
    let answered = false;
    void claim.finally(() => { answered = true; });
    while (onPostgres && !answered && !(await lockWaiters())) await new Promise((resolve) => setImmediate(resolve));
    release();
    await holder;
    expect(await claim).toMatchObject({ subscription_id: id, generation: 0 });
  });

  it('ends its leases when the run is over, whatever each subscription\'s outcome', async () => {
    const renewed = await order([DEMO_REFS.subscription]);
    const cancelled = await order([DEMO_REFS.subscription]);
    expect(await cancelSubscription(cancelled.pon, cancelled.ids[0]!)).toMatchObject({ responseCode: 0 });
    expect(await runDueAt(EXPIRY)).toEqual({ renewed: 1, failed: 0, expired: 1 });
    expect([await leaseOf(renewed.ids[0]!), await leaseOf(cancelled.ids[0]!)]).toEqual([null, null]);
  });

  it('ends the leases of its batch when a subscription\'s work fails unexpectedly, and stops with that failure', async () => {
    const placed = await order([orderLine(DEMO_REFS.subscription, 3)]);
    // The first unit of work leases the batch; the second (one subscription's work) fails.
    let runs = 0;
    const failing: UnitsOfWork = {
      run: (work) => (++runs === 2 ? Promise.reject(new Error('connection lost')) : t.app.units.run(work)),
      counts: () => t.app.units.counts(),
    };
    t.clock.set(EXPIRY);
    await expect(t.app.subscriptions.runDue(failing)).rejects.toThrow('connection lost');
    expect(await Promise.all(placed.ids.map(leaseOf))).toEqual([null, null, null]);
    // Another run (another worker) takes at once what the failed one left.
    expect(await runDueAt(EXPIRY)).toEqual({ renewed: 1, failed: 0, expired: 0 });
  });
});

describe('automatic renewal at expiry', () => {
  it('tells the polling story: generation 0, then at expiry generation 1 delivered by order PON-1 with a new key', async () => {
    const placed = await order([DEMO_REFS.subscription]);
    const [id] = placed.ids as [number];
    const firstSerial = serialsOf(placed.answer)[0]!;
    expect(await status(placed.pon, id)).toMatchObject({ generation: 0, technicalStatus: 'ACTIVE', currentPartnerOrderNumber: placed.pon, expiration_datetime: '2027-05-31T10:00:00Z' });

    expect(await runDueAt(at('2027-05-31T10:00:00.000Z', -1))).toEqual(NOTHING);
    expect(await runDueAt('2027-05-31T10:00:00.000Z')).toEqual({ renewed: 1, failed: 0, expired: 0 });
    expect(await runDueAt(at('2027-05-31T10:00:00.000Z', HOUR))).toEqual(NOTHING);

    expect(await status(placed.pon, id)).toEqual({
      partnerOrderNumber: placed.pon, subscriptionId: id, productRef: 740001, period: 'P1Y', generation: 1, technicalStatus: 'ACTIVE', autoRenew: true,
      creation_datetime: '2026-05-31T10:00:00Z', update_datetime: '2027-05-31T10:00:00Z', expiration_datetime: '2028-05-31T10:00:00Z',
      next_status_change_datetime: '2028-05-31T10:00:00Z', currentPartnerOrderNumber: `${placed.pon}-1`, currency: 'EUR', amount: 34.99, code: 0, message: 'OK',
    });

    const renewal = await orderData(`${placed.pon}-1`);
    expect(renewal.responseCode).toBe(0);
    expect(renewal.orderNumber).not.toBe(placed.orderNumber);
    expect(renewal.orderLines).toHaveLength(1);
    expect(renewal.orderLines[0]).toMatchObject({ productRef: 740001, dateEndDownload: '2027-06-21' });
    expect(renewal.orderLines[0]!.files).toHaveLength(1);
    expect(renewal.orderLines[0]!.lineItems).toHaveLength(1);
    expect(renewal.orderLines[0]!.lineItems[0]!.subscriptionId).toBe(id);
    const [newSerial] = serialsOf(renewal);
    const demoKeys = fs.readFileSync(`${demoDirectory()}/keys/740001.txt`, 'utf8').split('\n').map((k) => k.trim());
    expect(newSerial).not.toBe(firstSerial);
    expect(demoKeys).toContain(newSerial);
    // The first order still delivers the first term's key.
    expect(serialsOf(await orderData(placed.pon))).toEqual([firstSerial]);

    expect(await eventsOf(id)).toEqual([{
      type: 'subscription.renewed', createdAt: '2027-05-31T10:00:00.000Z',
      data: expect.objectContaining({ subscriptionId: id, partnerOrderNumber: placed.pon, generation: 1, orderNumber: renewal.orderNumber }),
    }]);
  });

  it('keeps the same serial at each renewal when the product issues none per term, with month ends anchored (Jun 30, Jul 31, Aug 31)', async () => {
    const placed = await order([DEMO_REFS.generatedSubscription]);
    const [id] = placed.ids as [number];
    const serial = serialsOf(placed.answer);
    expect(serial).toHaveLength(1);
    expect(await status(placed.pon, id)).toMatchObject({ expiration_datetime: '2026-06-30T10:00:00Z' });

    expect(await runDueAt('2026-06-30T10:00:00.000Z')).toEqual({ renewed: 1, failed: 0, expired: 0 });
    expect(await status(placed.pon, id)).toMatchObject({ generation: 1, expiration_datetime: '2026-07-31T10:00:00Z' });
    expect(await runDueAt('2026-07-31T10:00:00.000Z')).toEqual({ renewed: 1, failed: 0, expired: 0 });
    expect(await status(placed.pon, id)).toMatchObject({ generation: 2, expiration_datetime: '2026-08-31T10:00:00Z', currentPartnerOrderNumber: `${placed.pon}-2` });

    expect(serialsOf(await orderData(`${placed.pon}-1`))).toEqual(serial);
    expect(serialsOf(await orderData(`${placed.pon}-2`))).toEqual(serial);
  });

  it('gives each unit its own subscription, renewed as {pon}-{subscriptionId}-{generation}', async () => {
    const placed = await order([orderLine(DEMO_REFS.generatedSubscription, 2)]);
    expect(placed.ids).toHaveLength(2);
    const [a, b] = placed.ids as [number, number];
    expect(a).not.toBe(b);

    expect(await runDueAt('2026-06-30T10:00:00.000Z')).toEqual({ renewed: 2, failed: 0, expired: 0 });
    for (const id of [a, b]) {
      expect(await status(placed.pon, id)).toMatchObject({ generation: 1, currentPartnerOrderNumber: `${placed.pon}-${id}-1` });
      const renewal = await orderData(`${placed.pon}-${id}-1`);
      expect(renewal.responseCode).toBe(0);
      expect(renewal.orderLines[0]!.lineItems.map((i) => i.subscriptionId)).toEqual([id]);
    }
    expect((await getOrderData(t.server, partner, `${placed.pon}-1`)).json()).toMatchObject({ responseCode: 1010 });

    // A partner renewal of one of them uses the same form.
    t.clock.set('2026-07-10T10:00:00.000Z');
    expect(await renew(placed.pon, b)).toMatchObject({ partnerOrderNumber: `${placed.pon}-${b}-2`, generation: 2, responseCode: 0 });
    expect(await status(placed.pon, a)).toMatchObject({ generation: 1 });
  });

  it('renews as {pon}-{subscriptionId}-{generation} when the partner already used {pon}-{generation} for an order of its own', async () => {
    const placed = await order([orderLine(DEMO_REFS.generatedSubscription, 1)]);
    const [id] = placed.ids as [number];
    const own = await createOrder(t.server, partner, { ...orderBody([orderLine(DEMO_REFS.generatedSubscription, 1)]), partnerOrderNumber: `${placed.pon}-1` });
    expect(own.json()).toMatchObject({ responseCode: 0 });

    expect(await runDueAt('2026-06-30T10:00:00.000Z')).toMatchObject({ renewed: 2 });
    expect(await status(placed.pon, id)).toMatchObject({ generation: 1, technicalStatus: 'ACTIVE', currentPartnerOrderNumber: `${placed.pon}-${id}-1` });
    expect((await orderData(`${placed.pon}-${id}-1`)).orderLines[0]!.lineItems.map((i) => i.subscriptionId)).toEqual([id]);
  });

  it('finds a renewal order number longer than 64 characters; createOrder refuses renewal numbers (131 over 64 characters, else 1010)', async () => {
    const pon = `LONG-${'X'.repeat(59)}`;
    expect(pon).toHaveLength(64);
    const res = await createOrder(t.server, partner, orderBody([orderLine(DEMO_REFS.generatedSubscription, 2)], { partnerOrderNumber: pon }));
    const ids = (res.json() as OrderAnswer).orderLines[0]!.lineItems.map((i) => i.subscriptionId!);
    expect(await runDueAt('2026-06-30T10:00:00.000Z')).toEqual({ renewed: 2, failed: 0, expired: 0 });
    const renewalNumber = `${pon}-${ids[0]}-1`;
    expect(renewalNumber.length).toBeGreaterThan(64);
    const renewal = await orderData(renewalNumber);
    expect(renewal.responseCode).toBe(0);
    const again = await createOrder(t.server, partner, orderBody([DEMO_REFS.generatedSerial], { partnerOrderNumber: `${pon}-1` }));
    expect(again.json()).toMatchObject({ responseCode: 131 });
    t.clock.set(START);
    const short = await order([DEMO_REFS.generatedSubscription]);
    expect(await runDueAt('2026-06-30T10:00:00.000Z')).toEqual({ renewed: 1, failed: 0, expired: 0 });
    const taken = await createOrder(t.server, partner, orderBody([DEMO_REFS.generatedSerial], { partnerOrderNumber: `${short.pon}-1` }));
    expect(taken.statusCode).toBe(201);
    expect(taken.json()).toEqual({
      partnerOrderNumber: `${short.pon}-1`, orderNumber: (await orderData(`${short.pon}-1`)).orderNumber, orderLines: [], downloadManager: null,
      responseCode: 1010, responseMessage: expect.any(String),
    });
  });

  it('catches up after the worker was down for several periods: each term renewed exactly once, expirations anchored', async () => {
    const placed = await order([await weekly()]);
    const [id] = placed.ids as [number];
    const late = at(START, 21 * DAY + HOUR);
    let renewed = 0;
    for (let run = 0; run < 10; run++) {
      const done = await runDueAt(late);
      if (done.renewed === 0) break;
      renewed += done.renewed;
    }
    expect(renewed).toBe(3);
    expect(await status(placed.pon, id)).toMatchObject({ generation: 3, expiration_datetime: wire(at(START, 28 * DAY)), currentPartnerOrderNumber: `${placed.pon}-3` });
    const terms = await t.app.db.selectFrom('subscription_terms').select('generation').where('subscription_id', '=', id).orderBy('generation').execute();
    expect(terms.map((r) => r.generation)).toEqual([1, 2, 3]);
  });

  it("owes the retailer price in force at renewal, and the end user's renewal price", async () => {
    const product = await givenProduct(t.app.db, {
      subscriptionPeriod: 'P1Y', serialSource: 'generated', prices: [{ currency: 'EUR', retailer: 3000, public: 4999, sale: 4499, renewal: 3999 }],
    });
    const placed = await order([product.ref]);
    const [id] = placed.ids as [number];
    const ledger = async (orderNumber: number) => (await t.app.db.selectFrom('ledger_entries').selectAll().where('order_number', '=', orderNumber).execute())
      .map((e) => ({ kind: e.kind, currency: e.currency, retailer: Number(e.retailer_minor), endUser: Number(e.end_user_minor), at: e.at }));
    expect(await ledger(placed.orderNumber)).toEqual([{ kind: 'order', currency: 'EUR', retailer: 3000, endUser: 4499, at: START }]);
    expect(await status(placed.pon, id)).toMatchObject({ amount: 39.99 });

    t.clock.set('2026-09-01T00:00:00.000Z');
    await t.app.db.updateTable('product_prices').set({ retailer_minor: 3300, renewal_minor: 4200 }).where('product_ref', '=', product.ref).where('currency', '=', 'EUR').execute();
    // Written straight to the table, as no import can change a renewal price: mark the catalog changed as an import does.
    await bumpCatalogVersion(t.app.db);
    expect(await status(placed.pon, id)).toMatchObject({ amount: 42 });

    expect(await runDueAt('2027-05-31T10:00:00.000Z')).toEqual({ renewed: 1, failed: 0, expired: 0 });
    const renewal = await orderData(`${placed.pon}-1`);
    expect(await ledger(renewal.orderNumber)).toEqual([{ kind: 'renewal', currency: 'EUR', retailer: 3300, endUser: 4200, at: '2027-05-31T10:00:00.000Z' }]);
    expect(await ledger(placed.orderNumber)).toEqual([{ kind: 'order', currency: 'EUR', retailer: 3000, endUser: 4499, at: START }]);
    // Written with the ledger entry (one statement on PostgreSQL): the renewal order's audit entry.
    const audit = await t.app.db.selectFrom('audit_log').select(['at', 'actor', 'action', 'detail']).where('subject', '=', `order:${renewal.orderNumber}`).execute();
    expect(audit.map((a) => ({ ...a, detail: JSON.parse(a.detail) as unknown }))).toEqual([
      { at: '2027-05-31T10:00:00.000Z', actor: 'system', action: 'order.renewal_created', detail: { partnerOrderNumber: `${placed.pon}-1`, subscriptionId: id } },
    ]);
  });
});

describe('renewal out of stock', () => {
  const EXPIRY = '2027-05-31T10:00:00.000Z';

  it('goes RENEWAL_FAILED, is retried every 6 hours, and renews on the next retry once keys arrive, expiration anchored', async () => {
    const ref = await pooledYearly(1);
    const placed = await order([ref]);
    const [id] = placed.ids as [number];

    expect(await runDueAt(EXPIRY)).toEqual({ renewed: 0, failed: 1, expired: 0 });
    expect(await status(placed.pon, id)).toEqual({
      partnerOrderNumber: placed.pon, subscriptionId: id, productRef: ref, period: 'P1Y', generation: 0, technicalStatus: 'RENEWAL_FAILED', autoRenew: false,
      creation_datetime: '2026-05-31T10:00:00Z', update_datetime: '2027-05-31T10:00:00Z', expiration_datetime: '2027-05-31T10:00:00Z',
      next_status_change_datetime: '2027-06-07T10:00:00Z', currentPartnerOrderNumber: placed.pon, currency: 'EUR', amount: 24.99, code: 0, message: 'OK',
    });

    expect(await runDueAt(at(EXPIRY, 6 * HOUR - 1))).toEqual(NOTHING);
    expect(await runDueAt(at(EXPIRY, 6 * HOUR))).toEqual({ renewed: 0, failed: 1, expired: 0 });
    expect(await status(placed.pon, id)).toMatchObject({ technicalStatus: 'RENEWAL_FAILED', generation: 0, next_status_change_datetime: '2027-06-07T10:00:00Z' });

    t.clock.set(at(EXPIRY, 7 * HOUR));
    const [key] = await givenKeys(t.app, ref, 1);
    expect(await runDueAt(at(EXPIRY, 7 * HOUR))).toEqual(NOTHING);
    expect(await runDueAt(at(EXPIRY, 12 * HOUR))).toEqual({ renewed: 1, failed: 0, expired: 0 });

    expect(await status(placed.pon, id)).toEqual({
      partnerOrderNumber: placed.pon, subscriptionId: id, productRef: ref, period: 'P1Y', generation: 1, technicalStatus: 'ACTIVE', autoRenew: true,
      creation_datetime: '2026-05-31T10:00:00Z', update_datetime: '2027-05-31T22:00:00Z', expiration_datetime: '2028-05-31T10:00:00Z',
      next_status_change_datetime: '2028-05-31T10:00:00Z', currentPartnerOrderNumber: `${placed.pon}-1`, currency: 'EUR', amount: 24.99, code: 0, message: 'OK',
    });
    expect(serialsOf(await orderData(`${placed.pon}-1`))).toEqual([key]);
    expect(await runDueAt(at(EXPIRY, 8 * DAY))).toEqual(NOTHING);

    const events = await eventsOf(id);
    expect(events.map((e) => [e.type, e.createdAt])).toEqual([
      ['subscription.renewal_failed', EXPIRY],
      ['subscription.renewed', at(EXPIRY, 12 * HOUR)],
    ]);
    expect(events[0]!.data).toMatchObject({ subscriptionId: id, partnerOrderNumber: placed.pon });
  });

  it('expires at the end of grace when no key arrived: no amount, no next status change, never renewed', async () => {
    const ref = await pooledYearly(1);
    const placed = await order([ref]);
    const [id] = placed.ids as [number];

    expect(await runDueAt(EXPIRY)).toEqual({ renewed: 0, failed: 1, expired: 0 });
    expect(await runDueAt(at(EXPIRY, 7 * DAY - 1))).toEqual({ renewed: 0, failed: 1, expired: 0 });
    expect(await runDueAt(at(EXPIRY, 7 * DAY))).toEqual({ renewed: 0, failed: 0, expired: 1 });
    expect(await status(placed.pon, id)).toEqual({
      partnerOrderNumber: placed.pon, subscriptionId: id, productRef: ref, period: 'P1Y', generation: 0, technicalStatus: 'EXPIRED', autoRenew: false,
      creation_datetime: '2026-05-31T10:00:00Z', update_datetime: '2027-06-07T10:00:00Z', expiration_datetime: '2027-05-31T10:00:00Z',
      next_status_change_datetime: null, currentPartnerOrderNumber: placed.pon, currency: 'EUR', amount: null, code: 0, message: 'OK',
    });

    await givenKeys(t.app, ref, 2);
    expect(await runDueAt(at(EXPIRY, 30 * DAY))).toEqual(NOTHING);
    expect(await runDueAt('2030-01-01T00:00:00.000Z')).toEqual(NOTHING);
    expect(await freeKeys(ref)).toBe(2);
    expect(await renew(placed.pon, id)).toMatchObject({ responseCode: 1011 });
    expect((await eventsOf(id)).map((e) => [e.type, e.createdAt])).toEqual([
      ['subscription.renewal_failed', EXPIRY],
      ['subscription.expired', at(EXPIRY, 7 * DAY)],
    ]);
  });

  it('expires at once when cancelled during grace, and raises both events', async () => {
    const ref = await pooledYearly(1);
    const placed = await order([ref]);
    const [id] = placed.ids as [number];
    await runDueAt(EXPIRY);
    t.clock.set(at(EXPIRY, DAY));
    expect(await cancelSubscription(placed.pon, id)).toMatchObject({ responseCode: 0 });
    expect(await status(placed.pon, id)).toMatchObject({ technicalStatus: 'EXPIRED', amount: null, next_status_change_datetime: null });
    await givenKeys(t.app, ref, 1);
    expect(await runDueAt(at(EXPIRY, 2 * DAY))).toEqual(NOTHING);
    const events = await eventsOf(id);
    expect(events.map((e) => e.type).sort()).toEqual(['subscription.cancelled', 'subscription.expired', 'subscription.renewal_failed']);
    expect(events[0]!.type).toBe('subscription.renewal_failed');
  });
});

describe('a partner renewal racing the worker', () => {
  const EXPIRY = '2027-05-31T10:00:00.000Z';

  /**
   * `db` for the worker, running `between` just before the worker's second transaction on a
   * subscription: the moment after a renewal failed for want of stock and before it is recorded.
   */
  function pausingBeforeSecondTransaction(db: Db, between: () => Promise<void>): Db {
    let transactions = 0;
    return new Proxy(db, {
      get(target, property) {
        if (property !== 'transaction') {
          const value: unknown = Reflect.get(target, property);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        }
        return () => {
          const builder = target.transaction();
          if (++transactions !== 2) return builder;
          return { execute: async <T>(work: (tx: Transaction<Database>) => Promise<T>) => { await between(); return builder.execute(work); } };
        };
      },
    });
  }

  it('does not mark RENEWAL_FAILED a term the partner renewed after the worker found no stock, nor renew it twice', async () => {
    const ref = await pooledYearly(1);
    const placed = await order([ref]);
    const [id] = placed.ids as [number];
    t.clock.set(EXPIRY);
    const worker = pausingBeforeSecondTransaction(t.app.db, async () => {
      await givenKeys(t.app, ref, 2);
      expect(await renew(placed.pon, id)).toMatchObject({ generation: 1, responseCode: 0 });
    });
    expect(await t.app.subscriptions.runDue(transactionPerUnit(worker))).toEqual(NOTHING);

    expect(await status(placed.pon, id)).toMatchObject({ technicalStatus: 'ACTIVE', generation: 1, expiration_datetime: '2028-05-31T10:00:00Z' });
    expect(await runDueAt(at(EXPIRY, 6 * HOUR))).toEqual(NOTHING);
    expect(await runDueAt(at(EXPIRY, 8 * DAY))).toEqual(NOTHING);
    expect(await status(placed.pon, id)).toMatchObject({ technicalStatus: 'ACTIVE', generation: 1 });
    expect((await eventsOf(id)).map((e) => e.type)).toEqual(['subscription.renewed']);
  });
});

describe('cancellation', () => {
  const EXPIRY = '2027-05-31T10:00:00.000Z';

  it('lets a cancelled subscription run to its expiration, then EXPIRED, never renewed', async () => {
    const placed = await order([DEMO_REFS.subscription]);
    const [id] = placed.ids as [number];
    const keysBefore = await freeKeys(DEMO_REFS.subscription);
    t.clock.set(at(START, 10 * DAY));
    expect(await cancelSubscription(placed.pon, id)).toEqual({ partnerOrderNumber: placed.pon, subscriptionId: id, orderNumber: placed.orderNumber, responseCode: 0, responseMessage: 'OK' });

    expect(await runDueAt(at(EXPIRY, -1))).toEqual(NOTHING);
    expect(await status(placed.pon, id)).toMatchObject({ technicalStatus: 'CANCELLED', autoRenew: false, next_status_change_datetime: '2027-05-31T10:00:00Z', amount: 34.99 });
    expect(await runDueAt(EXPIRY)).toEqual({ renewed: 0, failed: 0, expired: 1 });
    expect(await status(placed.pon, id)).toEqual({
      partnerOrderNumber: placed.pon, subscriptionId: id, productRef: 740001, period: 'P1Y', generation: 0, technicalStatus: 'EXPIRED', autoRenew: false,
      creation_datetime: '2026-05-31T10:00:00Z', update_datetime: '2027-05-31T10:00:00Z', expiration_datetime: '2027-05-31T10:00:00Z',
      next_status_change_datetime: null, currentPartnerOrderNumber: placed.pon, currency: 'EUR', amount: null, code: 0, message: 'OK',
    });
    expect(await runDueAt('2031-01-01T00:00:00.000Z')).toEqual(NOTHING);
    expect((await getOrderData(t.server, partner, `${placed.pon}-1`)).json()).toMatchObject({ responseCode: 1010 });
    expect(await freeKeys(DEMO_REFS.subscription)).toBe(keysBefore);
    expect((await eventsOf(id)).map((e) => [e.type, e.createdAt])).toEqual([
      ['subscription.cancelled', at(START, 10 * DAY)],
      ['subscription.expired', EXPIRY],
    ]);
  });

  it('terminates the subscription at once when its order is cancelled; it never renews', async () => {
    const placed = await order([DEMO_REFS.subscription]);
    const [id] = placed.ids as [number];
    t.clock.set(at(START, 3 * DAY));
    expect(await cancelOrder(placed.pon)).toMatchObject({ orderNumber: placed.orderNumber, responseCode: 0 });
    expect(await status(placed.pon, id)).toEqual({
      partnerOrderNumber: placed.pon, subscriptionId: id, productRef: 740001, period: 'P1Y', generation: 0, technicalStatus: 'TERMINATED', autoRenew: false,
      creation_datetime: '2026-05-31T10:00:00Z', update_datetime: '2026-06-03T10:00:00Z', expiration_datetime: '2027-05-31T10:00:00Z',
      next_status_change_datetime: null, currentPartnerOrderNumber: placed.pon, currency: 'EUR', amount: null, code: 0, message: 'OK',
    });
    expect(await runDueAt(EXPIRY)).toEqual(NOTHING);
    expect(await runDueAt('2031-01-01T00:00:00.000Z')).toEqual(NOTHING);
    expect(await status(placed.pon, id)).toMatchObject({ technicalStatus: 'TERMINATED', generation: 0 });
    expect(await renew(placed.pon, id)).toMatchObject({ responseCode: 1011 });
    expect(await cancelSubscription(placed.pon, id)).toMatchObject({ responseCode: 1011 });
  });

  it('terminates every subscription of a cancelled order of several units', async () => {
    const placed = await order([orderLine(DEMO_REFS.generatedSubscription, 2)]);
    expect(await cancelOrder(placed.pon)).toMatchObject({ responseCode: 0 });
    for (const id of placed.ids) expect(await status(placed.pon, id)).toMatchObject({ technicalStatus: 'TERMINATED' });
    expect(await runDueAt('2026-06-30T10:00:00.000Z')).toEqual(NOTHING);
  });

  it('terminates a RENEWAL_FAILED subscription when its order is cancelled, and stops the retries', async () => {
    const product = await givenProduct(t.app.db, {
      subscriptionPeriod: 'P1W', serialSource: 'pool', newSerialEachTerm: true, prices: [{ currency: 'EUR', retailer: 100, public: 299, sale: 199, renewal: 149 }],
    });
    await givenKeys(t.app, product.ref, 1);
    const placed = await order([product.ref]);
    const [id] = placed.ids as [number];
    expect(await runDueAt(at(START, 7 * DAY))).toEqual({ renewed: 0, failed: 1, expired: 0 });
    t.clock.set(at(START, 7 * DAY + HOUR));
    expect(await cancelOrder(placed.pon)).toMatchObject({ responseCode: 0 });
    expect(await status(placed.pon, id)).toMatchObject({ technicalStatus: 'TERMINATED', next_status_change_datetime: null, amount: null });
    await givenKeys(t.app, product.ref, 1);
    expect(await runDueAt(at(START, 7 * DAY + 6 * HOUR))).toEqual(NOTHING);
    expect(await runDueAt(at(START, 14 * DAY))).toEqual(NOTHING);
    expect(await freeKeys(product.ref)).toBe(1);
  });

  it('answers 1030 for an earlier order of a subscription renewed since; cancelling the latest renewal order terminates it', async () => {
    const placed = await order([await weekly()]);
    const [id] = placed.ids as [number];

    expect(await runDueAt(at(START, 7 * DAY))).toEqual({ renewed: 1, failed: 0, expired: 0 });
    expect(await cancelOrder(placed.pon)).toEqual(refusedCancelOrder(placed.pon, 1030));

    expect(await renew(placed.pon, id)).toMatchObject({ partnerOrderNumber: `${placed.pon}-2`, generation: 2, responseCode: 0 });
    expect(await cancelOrder(`${placed.pon}-1`)).toEqual(refusedCancelOrder(`${placed.pon}-1`, 1030));
    expect(await cancelOrder(placed.pon)).toEqual(refusedCancelOrder(placed.pon, 1030));
    expect(await status(placed.pon, id)).toMatchObject({ technicalStatus: 'ACTIVE', generation: 2 });

    t.clock.set(at(START, 8 * DAY));
    const latest = await orderData(`${placed.pon}-2`);
    expect(await cancelOrder(`${placed.pon}-2`)).toEqual({
      partnerOrderNumber: `${placed.pon}-2`, orderNumber: latest.orderNumber, newDownloadEndDate: '2026-06-08', responseCode: 0, responseMessage: 'OK',
    });
    expect(await status(placed.pon, id)).toMatchObject({
      technicalStatus: 'TERMINATED', generation: 2, currentPartnerOrderNumber: `${placed.pon}-2`, next_status_change_datetime: null, amount: null, autoRenew: false,
    });
    // The earlier orders stay what they were, and still may not be cancelled.
    expect((await orderData(placed.pon)).orderLines[0]!.lineItems[0]!.serials).toHaveLength(1);
    expect(await cancelOrder(placed.pon)).toEqual(refusedCancelOrder(placed.pon, 1030));
    expect(await cancelOrder(`${placed.pon}-1`)).toEqual(refusedCancelOrder(`${placed.pon}-1`, 1030));
    expect(await runDueAt(at(START, 60 * DAY))).toEqual(NOTHING);
  });

  it('terminates the subscription when its only renewal order is cancelled', async () => {
    const placed = await order([await weekly()]);
    const [id] = placed.ids as [number];
    await runDueAt(at(START, 7 * DAY));
    expect(await cancelOrder(`${placed.pon}-1`)).toMatchObject({ responseCode: 0 });
    expect(await status(placed.pon, id)).toMatchObject({ technicalStatus: 'TERMINATED', generation: 1 });
    expect(await runDueAt(at(START, 14 * DAY))).toEqual(NOTHING);
  });
});
