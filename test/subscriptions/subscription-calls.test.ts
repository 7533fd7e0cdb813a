import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DAY, HOUR } from '../support/clock.js';
import { createOrder, DEMO_REFS, getOrderData, orderBody, orderLine, type Json } from '../support/orders.js';
import { givenKeys, givenWeeklySubscription, givenYearlySubscription } from '../support/products.js';
import { connectCall, startDemoShop, type TestApp, type TestPartner } from '../support/test-app.js';

// The subscription calls of the partner API (connect-api.md §7, §10 "Subscription calls"; rules.md
// §Subscriptions): getSubscriptionStatus, cancelSubscription, renewSubscription. Orders are placed
// through createOrder; the demo catalog gives 740001 (P1Y, a pooled key per term, renewal 34.99 EUR)
// and 740002 (P1M, generated serial kept across terms). Products with a tiny pool are made per test.

const START = '2026-03-10T09:30:00.250Z';
/** START + P1Y: the first expiration of a yearly subscription ordered at START. */
const YEAR_LATER = '2027-03-10T09:30:00.250Z';
const MAX_ID = 2 ** 31 - 1;

let t: TestApp;
let partner: TestPartner;
let other: TestPartner;

beforeAll(async () => {
  ({ t, partner, other } = await startDemoShop({ now: START, keys: true }));
});
afterAll(() => t.close());
beforeEach(() => t.clock.set(START));

/** Wire date-time of an instant: ISO 8601 UTC without milliseconds. */
const wire = (iso: string | number) => new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
const at = (iso: string, plusMs = 0) => new Date(new Date(iso).getTime() + plusMs).toISOString();

type Placed = { pon: string; orderNumber: number; subscriptionIds: number[]; answer: Json };

/** Places an order through createOrder as `by` and returns it with the subscription ids of its units. */
async function order(lines: readonly (number | Json)[], by: TestPartner = partner): Promise<Placed> {
  const body = orderBody(lines);
  const res = await createOrder(t.server, by, body);
  expect(res.statusCode).toBe(201);
  const answer = res.json() as { orderNumber: number; responseCode: number; orderLines: { lineItems: { subscriptionId: number | null }[] }[] };
  expect(answer.responseCode).toBe(0);
  const subscriptionIds = answer.orderLines.flatMap((l) => l.lineItems.map((i) => i.subscriptionId)).filter((id): id is number => id !== null);
  return { pon: body.partnerOrderNumber as string, orderNumber: answer.orderNumber, subscriptionIds, answer: answer as unknown as Json };
}

/** One unit of a subscription product: the order and its one subscription id. */
async function subscribe(productRef: number, by: TestPartner = partner): Promise<Placed & { id: number }> {
  const placed = await order([productRef], by);
  expect(placed.subscriptionIds).toHaveLength(1);
  return { ...placed, id: placed.subscriptionIds[0]! };
}

const pooledYearly = (keys: number) => givenYearlySubscription(t.app, keys);
const generatedWeekly = () => givenWeeklySubscription(t.app.db);

type Method = 'POST' | 'PUT';
const call = (method: Method, url: string, body: unknown, by: TestPartner = partner) => connectCall(t.server, by, { method, url, body });
const statusCall = (body: unknown, by?: TestPartner) => call('POST', '/connect/subscription', body, by);
const cancelCall = (body: unknown, by?: TestPartner) => call('PUT', '/connect/subscription', body, by);
const renewCall = (body: unknown, method: Method = 'POST', by?: TestPartner) => call(method, '/connect/subscription/renew', body, by);

/** getSubscriptionStatus answer (status 200 asserted). */
async function statusOf(pon: string, id: number, by?: TestPartner): Promise<Json> {
  const res = await statusCall({ partnerOrderNumber: pon, subscriptionId: id }, by);
  expect(res.statusCode).toBe(200);
  return res.json() as Json;
}

/** Runs the renewal worker once at the clock's now. */
const runDue = () => t.app.subscriptions.runDue(t.app.units);

/** A subscription of `ref` gone RENEWAL_FAILED at its first expiration (the pool had its one key only). */
async function failedRenewal(): Promise<Placed & { id: number; ref: number }> {
  const ref = await pooledYearly(1);
  const placed = await subscribe(ref);
  t.clock.set(YEAR_LATER);
  await runDue();
  expect(await statusOf(placed.pon, placed.id)).toMatchObject({ technicalStatus: 'RENEWAL_FAILED' });
  return { ...placed, ref };
}

const refusedStatus = (partnerOrderNumber: string | null, subscriptionId: number | null, code: number) => ({
  partnerOrderNumber, subscriptionId, productRef: null, period: null, generation: null, technicalStatus: null, autoRenew: null,
  creation_datetime: null, update_datetime: null, expiration_datetime: null, next_status_change_datetime: null,
  currentPartnerOrderNumber: null, currency: null, amount: null, code, message: expect.any(String),
});
const refusedCancel = (partnerOrderNumber: string | null, subscriptionId: number | null, code: number) => ({
  partnerOrderNumber, subscriptionId, orderNumber: null, responseCode: code, responseMessage: expect.any(String),
});
const refusedRenew = (partnerOrderNumber: string | null, subscriptionId: number | null, code: number) => ({
  partnerOrderNumber, subscriptionId, orderNumber: null, generation: null, expiration_datetime: null, responseCode: code, responseMessage: expect.any(String),
});

/** The three calls, each with its refused shape, for the checks they share (connect-api.md §7 "Codes as getSubscriptionStatus"). */
const OPERATIONS = [
  { name: 'getSubscriptionStatus', send: (body: unknown, by?: TestPartner) => statusCall(body, by), refused: refusedStatus },
  { name: 'cancelSubscription', send: (body: unknown, by?: TestPartner) => cancelCall(body, by), refused: refusedCancel },
  { name: 'renewSubscription (POST)', send: (body: unknown, by?: TestPartner) => renewCall(body, 'POST', by), refused: refusedRenew },
  { name: 'renewSubscription (PUT)', send: (body: unknown, by?: TestPartner) => renewCall(body, 'PUT', by), refused: refusedRenew },
] as const;

describe('getSubscriptionStatus', () => {
  it('answers every key of a first term: whole-second UTC dates, the renewal price as amount, the original order as current', async () => {
    const sub = await subscribe(DEMO_REFS.subscription);
    const res = await statusCall({ partnerOrderNumber: sub.pon, subscriptionId: sub.id });
    expect(res.statusCode).toBe(200);
    const body = res.json() as Json;
    expect(Object.keys(body)).toEqual([
      'partnerOrderNumber', 'subscriptionId', 'productRef', 'period', 'generation', 'technicalStatus', 'autoRenew', 'creation_datetime',
      'update_datetime', 'expiration_datetime', 'next_status_change_datetime', 'currentPartnerOrderNumber', 'currency', 'amount', 'code', 'message',
    ]);
    expect(body).toEqual({
      partnerOrderNumber: sub.pon, subscriptionId: sub.id, productRef: 740001, period: 'P1Y', generation: 0, technicalStatus: 'ACTIVE', autoRenew: true,
      creation_datetime: '2026-03-10T09:30:00Z', update_datetime: '2026-03-10T09:30:00Z', expiration_datetime: '2027-03-10T09:30:00Z',
      next_status_change_datetime: '2027-03-10T09:30:00Z', currentPartnerOrderNumber: sub.pon, currency: 'EUR', amount: 34.99, code: 0, message: 'OK',
    });
  });

  it('gives a subscription id of seven digits or more, below 2^31, one per unit', async () => {
    const placed = await order([orderLine(DEMO_REFS.generatedSubscription, 3)]);
    expect(placed.subscriptionIds).toHaveLength(3);
    expect(new Set(placed.subscriptionIds).size).toBe(3);
    for (const id of placed.subscriptionIds) {
      expect(id).toBeGreaterThanOrEqual(1_000_000);
      expect(id).toBeLessThanOrEqual(MAX_ID);
    }
  });

  it('answers a monthly subscription with its period and renewal price', async () => {
    const sub = await subscribe(DEMO_REFS.generatedSubscription);
    expect(await statusOf(sub.pon, sub.id)).toEqual({
      partnerOrderNumber: sub.pon, subscriptionId: sub.id, productRef: 740002, period: 'P1M', generation: 0, technicalStatus: 'ACTIVE', autoRenew: true,
      creation_datetime: '2026-03-10T09:30:00Z', update_datetime: '2026-03-10T09:30:00Z', expiration_datetime: '2026-04-10T09:30:00Z',
      next_status_change_datetime: '2026-04-10T09:30:00Z', currentPartnerOrderNumber: sub.pon, currency: 'EUR', amount: 5.99, code: 0, message: 'OK',
    });
  });

  it('accepts the subscriptionId as a numeric string', async () => {
    const sub = await subscribe(DEMO_REFS.generatedSubscription);
    const res = await statusCall({ partnerOrderNumber: sub.pon, subscriptionId: String(sub.id) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ partnerOrderNumber: sub.pon, subscriptionId: sub.id, generation: 0, code: 0 });
  });

  it('answers 70 and 71 as exactly {responseCode, responseMessage}, not code/message', async () => {
    const sub = await subscribe(DEMO_REFS.generatedSubscription);
    const body = { partnerOrderNumber: sub.pon, subscriptionId: sub.id };
    const { authorization } = await partner.headers();
    const inject = (headers: Record<string, string>) => t.server.inject({ method: 'POST', url: '/connect/subscription', headers, payload: body as InjectOptions['payload'] });
    const missing = await inject({ authorization: authorization! });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toEqual({ responseCode: 70, responseMessage: expect.any(String) });
    const wrong = await inject({ authorization: authorization!, secret: 'x'.repeat(32) });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual({ responseCode: 71, responseMessage: expect.any(String) });
  });
});

describe.each(OPERATIONS)('$name: request fields, checked in body order', ({ send, refused }) => {
  const cases: [string, Json, string | null, number | null, number][] = [
    ['100 when the body is empty', {}, null, null, 100],
    ['100 when partnerOrderNumber is null, before a bad subscriptionId', { partnerOrderNumber: null, subscriptionId: 'x' }, null, null, 100],
    ['100 when partnerOrderNumber is empty', { partnerOrderNumber: '', subscriptionId: 5_000_001 }, '', 5_000_001, 100],
    ['100 when partnerOrderNumber is blank', { partnerOrderNumber: '   ', subscriptionId: 5_000_001 }, '', 5_000_001, 100],
    ['110 when subscriptionId is missing', { partnerOrderNumber: 'SUB-FIELDS' }, 'SUB-FIELDS', null, 110],
    ['110 when subscriptionId is null', { partnerOrderNumber: 'SUB-FIELDS', subscriptionId: null }, 'SUB-FIELDS', null, 110],
    ['110 when subscriptionId is blank', { partnerOrderNumber: 'SUB-FIELDS', subscriptionId: ' ' }, 'SUB-FIELDS', null, 110],
    ['111 when subscriptionId is 0', { partnerOrderNumber: 'SUB-FIELDS', subscriptionId: 0 }, 'SUB-FIELDS', null, 111],
    ['111 when subscriptionId is -1', { partnerOrderNumber: 'SUB-FIELDS', subscriptionId: -1 }, 'SUB-FIELDS', null, 111],
    ['111 when subscriptionId is "x"', { partnerOrderNumber: 'SUB-FIELDS', subscriptionId: 'x' }, 'SUB-FIELDS', null, 111],
    ['111 when subscriptionId is 2^31', { partnerOrderNumber: 'SUB-FIELDS', subscriptionId: 2 ** 31 }, 'SUB-FIELDS', null, 111],
    ['111 when subscriptionId is 1.5', { partnerOrderNumber: 'SUB-FIELDS', subscriptionId: 1.5 }, 'SUB-FIELDS', null, 111],
    ['111 when subscriptionId is "1.5"', { partnerOrderNumber: 'SUB-FIELDS', subscriptionId: '1.5' }, 'SUB-FIELDS', null, 111],
    ['111 when subscriptionId is true', { partnerOrderNumber: 'SUB-FIELDS', subscriptionId: true }, 'SUB-FIELDS', null, 111],
    ['111 when subscriptionId is a list', { partnerOrderNumber: 'SUB-FIELDS', subscriptionId: [5_000_001] }, 'SUB-FIELDS', null, 111],
    ['1010 when the subscription is unknown (2^31 − 1)', { partnerOrderNumber: 'SUB-FIELDS', subscriptionId: MAX_ID }, 'SUB-FIELDS', MAX_ID, 1010],
  ];
  for (const [name, body, pon, id, code] of cases) {
    it(`answers ${name}, in the success shape with nulls`, async () => {
      const res = await send(body);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(refused(pon, id, code));
    });
  }
});

describe.each(OPERATIONS)('$name: a body that is not a JSON object', ({ send, refused }) => {
  for (const body of [[], ['SUB-FIELDS', 5_000_001], 'not json']) {
    it(`answers 1002 for ${JSON.stringify(body)}, in the success shape with nulls`, async () => {
      const res = await send(body);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(refused(null, null, 1002));
    });
  }
});

describe.each(OPERATIONS)('$name: 1010 subscription not found', ({ send, refused }) => {
  it("answers another partner's subscription exactly like an unknown one, and leaves it untouched", async () => {
    const sub = await subscribe(DEMO_REFS.generatedSubscription);
    const unknown = await send({ partnerOrderNumber: sub.pon, subscriptionId: MAX_ID }, other);
    const foreign = await send({ partnerOrderNumber: sub.pon, subscriptionId: sub.id }, other);
    expect(foreign.statusCode).toBe(200);
    expect(foreign.json()).toEqual(refused(sub.pon, sub.id, 1010));
    expect(foreign.json()).toEqual({ ...(unknown.json() as Json), subscriptionId: sub.id });
    expect(await statusOf(sub.pon, sub.id)).toMatchObject({ generation: 0, technicalStatus: 'ACTIVE', update_datetime: wire(START) });
  });

  it('answers 1010 for a renewal order number given instead of the original', async () => {
    const sub = await subscribe(await generatedWeekly());
    expect((await renewCall({ partnerOrderNumber: sub.pon, subscriptionId: sub.id })).json()).toMatchObject({ partnerOrderNumber: `${sub.pon}-1`, responseCode: 0 });
    const res = await send({ partnerOrderNumber: `${sub.pon}-1`, subscriptionId: sub.id });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(refused(`${sub.pon}-1`, sub.id, 1010));
  });

  it("answers 1010 for a subscription id of another of the partner's orders", async () => {
    const first = await subscribe(DEMO_REFS.generatedSubscription);
    const second = await subscribe(DEMO_REFS.generatedSubscription);
    const res = await send({ partnerOrderNumber: first.pon, subscriptionId: second.id });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(refused(first.pon, second.id, 1010));
    expect(await statusOf(second.pon, second.id)).toMatchObject({ generation: 0, technicalStatus: 'ACTIVE' });
  });

  it('answers 1010 for an order without subscriptions', async () => {
    const placed = await order([DEMO_REFS.generatedSerial]);
    const res = await send({ partnerOrderNumber: placed.pon, subscriptionId: 5_000_001 });
    expect(res.json()).toEqual(refused(placed.pon, 5_000_001, 1010));
  });
});

describe('cancelSubscription', () => {
  it('cancels an ACTIVE subscription: answers the original order, keeps expiration and amount, stops auto-renewal', async () => {
    const sub = await subscribe(DEMO_REFS.subscription);
    t.clock.set(at(START, 5 * DAY));
    const res = await cancelCall({ partnerOrderNumber: sub.pon, subscriptionId: sub.id });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ partnerOrderNumber: sub.pon, subscriptionId: sub.id, orderNumber: sub.orderNumber, responseCode: 0, responseMessage: 'OK' });
    expect(await statusOf(sub.pon, sub.id)).toEqual({
      partnerOrderNumber: sub.pon, subscriptionId: sub.id, productRef: 740001, period: 'P1Y', generation: 0, technicalStatus: 'CANCELLED', autoRenew: false,
      creation_datetime: '2026-03-10T09:30:00Z', update_datetime: '2026-03-15T09:30:00Z', expiration_datetime: '2027-03-10T09:30:00Z',
      next_status_change_datetime: '2027-03-10T09:30:00Z', currentPartnerOrderNumber: sub.pon, currency: 'EUR', amount: 34.99, code: 0, message: 'OK',
    });
  });

  it('leaves the order itself active: its serial and files are still delivered', async () => {
    const sub = await subscribe(DEMO_REFS.subscription);
    await cancelCall({ partnerOrderNumber: sub.pon, subscriptionId: sub.id });
    const res = await getOrderData(t.server, partner, sub.pon);
    expect(res.json()).toEqual(sub.answer);
  });

  it('refuses 1011 when the subscription is already cancelled', async () => {
    const sub = await subscribe(DEMO_REFS.generatedSubscription);
    expect((await cancelCall({ partnerOrderNumber: sub.pon, subscriptionId: sub.id })).json()).toMatchObject({ responseCode: 0 });
    const res = await cancelCall({ partnerOrderNumber: sub.pon, subscriptionId: sub.id });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(refusedCancel(sub.pon, sub.id, 1011));
  });

  it('refuses 1011 when the subscription has expired', async () => {
    const sub = await subscribe(DEMO_REFS.generatedSubscription);
    await cancelCall({ partnerOrderNumber: sub.pon, subscriptionId: sub.id });
    t.clock.set('2026-04-10T09:30:00.250Z');
    await runDue();
    expect(await statusOf(sub.pon, sub.id)).toMatchObject({ technicalStatus: 'EXPIRED' });
    const res = await cancelCall({ partnerOrderNumber: sub.pon, subscriptionId: sub.id });
    expect(res.json()).toEqual(refusedCancel(sub.pon, sub.id, 1011));
  });

  it('refuses 1011 when the subscription was terminated by cancelling its order', async () => {
    const sub = await subscribe(DEMO_REFS.generatedSubscription);
    const cancelled = await call('PUT', '/connect/order/cancel', { partnerOrderNumber: sub.pon, reasonCode: 2 });
    expect(cancelled.json()).toMatchObject({ responseCode: 0 });
    expect(await statusOf(sub.pon, sub.id)).toMatchObject({ technicalStatus: 'TERMINATED' });
    const res = await cancelCall({ partnerOrderNumber: sub.pon, subscriptionId: sub.id });
    expect(res.json()).toEqual(refusedCancel(sub.pon, sub.id, 1011));
  });

  it('expires a RENEWAL_FAILED subscription at once: no amount, no next status change', async () => {
    const sub = await failedRenewal();
    t.clock.set(at(YEAR_LATER, 2 * DAY));
    const res = await cancelCall({ partnerOrderNumber: sub.pon, subscriptionId: sub.id });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ partnerOrderNumber: sub.pon, subscriptionId: sub.id, orderNumber: sub.orderNumber, responseCode: 0, responseMessage: 'OK' });
    expect(await statusOf(sub.pon, sub.id)).toEqual({
      partnerOrderNumber: sub.pon, subscriptionId: sub.id, productRef: sub.ref, period: 'P1Y', generation: 0, technicalStatus: 'EXPIRED', autoRenew: false,
      creation_datetime: '2026-03-10T09:30:00Z', update_datetime: '2027-03-12T09:30:00Z', expiration_datetime: '2027-03-10T09:30:00Z',
      next_status_change_datetime: null, currentPartnerOrderNumber: sub.pon, currency: 'EUR', amount: null, code: 0, message: 'OK',
    });
    expect((await cancelCall({ partnerOrderNumber: sub.pon, subscriptionId: sub.id })).json()).toEqual(refusedCancel(sub.pon, sub.id, 1011));
  });
});

describe.each(['POST', 'PUT'] as const)('renewSubscription (%s)', (method) => {
  const renew = (sub: { pon: string; id: number }) => renewCall({ partnerOrderNumber: sub.pon, subscriptionId: sub.id }, method);

  it('renews 20 days early: renewal order {pon}-1, generation 1, expiration one period after the old expiration', async () => {
    const sub = await subscribe(DEMO_REFS.subscription);
    t.clock.set(at(YEAR_LATER, -20 * DAY));
    const res = await renew(sub);
    expect(res.statusCode).toBe(200);
    const body = res.json() as { orderNumber: number };
    const renewal = (await getOrderData(t.server, partner, `${sub.pon}-1`)).json() as { orderNumber: number; responseCode: number };
    expect(renewal.responseCode).toBe(0);
    expect(body).toEqual({
      partnerOrderNumber: `${sub.pon}-1`, subscriptionId: sub.id, orderNumber: renewal.orderNumber, generation: 1,
      expiration_datetime: '2028-03-10T09:30:00Z', responseCode: 0, responseMessage: 'OK',
    });
    expect(renewal.orderNumber).not.toBe(sub.orderNumber);
    expect(await statusOf(sub.pon, sub.id)).toEqual({
      partnerOrderNumber: sub.pon, subscriptionId: sub.id, productRef: 740001, period: 'P1Y', generation: 1, technicalStatus: 'ACTIVE', autoRenew: true,
      creation_datetime: '2026-03-10T09:30:00Z', update_datetime: '2027-02-18T09:30:00Z', expiration_datetime: '2028-03-10T09:30:00Z',
      next_status_change_datetime: '2028-03-10T09:30:00Z', currentPartnerOrderNumber: `${sub.pon}-1`, currency: 'EUR', amount: 34.99, code: 0, message: 'OK',
    });
  });

  it('refuses 1013 one millisecond before expiration − 30 days, and renews at that instant', async () => {
    const sub = await subscribe(await pooledYearly(2));
    t.clock.set(at(YEAR_LATER, -30 * DAY - 1));
    const early = await renew(sub);
    expect(early.statusCode).toBe(200);
    expect(early.json()).toEqual(refusedRenew(sub.pon, sub.id, 1013));
    expect(await statusOf(sub.pon, sub.id)).toMatchObject({ generation: 0, update_datetime: wire(START) });
    t.clock.set(at(YEAR_LATER, -30 * DAY));
    expect((await renew(sub)).json()).toMatchObject({ partnerOrderNumber: `${sub.pon}-1`, generation: 1, expiration_datetime: '2028-03-10T09:30:00Z', responseCode: 0 });
  });

  it('opens a monthly renewal one period before expiration when the month is shorter than 30 days', async () => {
    t.clock.set('2027-02-01T08:00:00.000Z');
    const sub = await subscribe(DEMO_REFS.generatedSubscription);
    expect(await statusOf(sub.pon, sub.id)).toMatchObject({ expiration_datetime: '2027-03-01T08:00:00Z' });
    expect((await renew(sub)).json()).toMatchObject({ partnerOrderNumber: `${sub.pon}-1`, generation: 1, expiration_datetime: '2027-04-01T08:00:00Z', responseCode: 0 });
  });

  it('opens a monthly renewal 30 days before expiration when the month is longer', async () => {
    const sub = await subscribe(DEMO_REFS.generatedSubscription);
    t.clock.set(at('2026-04-10T09:30:00.250Z', -30 * DAY - 1));
    expect((await renew(sub)).json()).toEqual(refusedRenew(sub.pon, sub.id, 1013));
    t.clock.set(at('2026-04-10T09:30:00.250Z', -30 * DAY));
    expect((await renew(sub)).json()).toMatchObject({ generation: 1, expiration_datetime: '2026-05-10T09:30:00Z', responseCode: 0 });
  });

  it('refuses 1013 right after a renewal: the term is already renewed', async () => {
    const sub = await subscribe(await pooledYearly(3));
    t.clock.set(at(YEAR_LATER, -10 * DAY));
    expect((await renew(sub)).json()).toMatchObject({ generation: 1, responseCode: 0 });
    const again = await renew(sub);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(refusedRenew(sub.pon, sub.id, 1013));
    expect(await statusOf(sub.pon, sub.id)).toMatchObject({ generation: 1, currentPartnerOrderNumber: `${sub.pon}-1`, expiration_datetime: '2028-03-10T09:30:00Z' });
    expect((await getOrderData(t.server, partner, `${sub.pon}-2`)).json()).toMatchObject({ responseCode: 1010 });
  });

  it('refuses 1013 after the worker renewed the term at expiry', async () => {
    const sub = await subscribe(await pooledYearly(2));
    t.clock.set(YEAR_LATER);
    await runDue();
    expect((await renew(sub)).json()).toEqual(refusedRenew(sub.pon, sub.id, 1013));
    expect(await statusOf(sub.pon, sub.id)).toMatchObject({ generation: 1 });
  });

  it('answers 1011, not 1013, for a cancelled subscription called too early', async () => {
    const sub = await subscribe(DEMO_REFS.subscription);
    await cancelCall({ partnerOrderNumber: sub.pon, subscriptionId: sub.id });
    const res = await renew(sub);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(refusedRenew(sub.pon, sub.id, 1011));
  });

  it('answers 1011 for a cancelled subscription inside the renewal window too', async () => {
    const sub = await subscribe(await pooledYearly(2));
    await cancelCall({ partnerOrderNumber: sub.pon, subscriptionId: sub.id });
    t.clock.set(at(YEAR_LATER, -DAY));
    expect((await renew(sub)).json()).toEqual(refusedRenew(sub.pon, sub.id, 1011));
    expect(await statusOf(sub.pon, sub.id)).toMatchObject({ generation: 0, technicalStatus: 'CANCELLED' });
  });

  it('answers 1011 for a subscription terminated with its order', async () => {
    const sub = await subscribe(await generatedWeekly());
    await call('PUT', '/connect/order/cancel', { partnerOrderNumber: sub.pon, reasonCode: 4 });
    expect((await renew(sub)).json()).toEqual(refusedRenew(sub.pon, sub.id, 1011));
  });

  it('refuses 1044 when the pool has no key for the new term, and stores nothing', async () => {
    const ref = await pooledYearly(1);
    const sub = await subscribe(ref);
    const counts = async () => ({
      orders: (await t.app.db.selectFrom('orders').select('order_number').where('partner_id', '=', partner.partnerId).execute()).length,
      ledger: (await t.app.db.selectFrom('ledger_entries').select('id').where('partner_id', '=', partner.partnerId).execute()).length,
      terms: (await t.app.db.selectFrom('subscription_terms').select('generation').where('subscription_id', '=', sub.id).execute()).length,
      events: (await t.app.db.selectFrom('outbox_events').select('id').where('partner_id', '=', partner.partnerId).execute()).length,
    });
    const before = await counts();
    t.clock.set(at(YEAR_LATER, -10 * DAY));
    const res = await renew(sub);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(refusedRenew(sub.pon, sub.id, 1044));
    expect(await counts()).toEqual({ ...before, terms: 0 });
    expect((await getOrderData(t.server, partner, `${sub.pon}-1`)).json()).toMatchObject({ responseCode: 1010 });
    expect(await statusOf(sub.pon, sub.id)).toMatchObject({
      generation: 0, technicalStatus: 'ACTIVE', update_datetime: wire(START), expiration_datetime: wire(YEAR_LATER), currentPartnerOrderNumber: sub.pon,
    });

    // Once a key arrives the same call goes through.
    await givenKeys(t.app, ref, 1);
    expect((await renew(sub)).json()).toMatchObject({ partnerOrderNumber: `${sub.pon}-1`, generation: 1, responseCode: 0 });
  });

  it('renews a RENEWAL_FAILED subscription during its grace period, expiration anchored on the first order', async () => {
    const sub = await failedRenewal();
    await givenKeys(t.app, sub.ref, 1);
    t.clock.set(at(YEAR_LATER, 3 * DAY));
    const res = await renew(sub);
    expect(res.statusCode).toBe(200);
    const renewal = (await getOrderData(t.server, partner, `${sub.pon}-1`)).json() as { orderNumber: number };
    expect(res.json()).toEqual({
      partnerOrderNumber: `${sub.pon}-1`, subscriptionId: sub.id, orderNumber: renewal.orderNumber, generation: 1,
      expiration_datetime: '2028-03-10T09:30:00Z', responseCode: 0, responseMessage: 'OK',
    });
    expect(await statusOf(sub.pon, sub.id)).toMatchObject({
      generation: 1, technicalStatus: 'ACTIVE', autoRenew: true, expiration_datetime: '2028-03-10T09:30:00Z',
      next_status_change_datetime: '2028-03-10T09:30:00Z', currentPartnerOrderNumber: `${sub.pon}-1`, update_datetime: '2027-03-13T09:30:00Z',
    });
  });

  it('answers 1044 during the grace period while the pool is still empty', async () => {
    const sub = await failedRenewal();
    t.clock.set(at(YEAR_LATER, DAY));
    expect((await renew(sub)).json()).toEqual(refusedRenew(sub.pon, sub.id, 1044));
    expect(await statusOf(sub.pon, sub.id)).toMatchObject({ generation: 0, technicalStatus: 'RENEWAL_FAILED' });
  });

  it('refuses 1011 once the grace period is over, before and after the worker expires it', async () => {
    const sub = await failedRenewal();
    await givenKeys(t.app, sub.ref, 1);
    t.clock.set(at(YEAR_LATER, 7 * DAY));
    expect((await renew(sub)).json()).toEqual(refusedRenew(sub.pon, sub.id, 1011));
    await runDue();
    expect(await statusOf(sub.pon, sub.id)).toMatchObject({ technicalStatus: 'EXPIRED', generation: 0 });
    expect((await renew(sub)).json()).toEqual(refusedRenew(sub.pon, sub.id, 1011));
  });

  it('still renews in the last millisecond of grace', async () => {
    const sub = await failedRenewal();
    await givenKeys(t.app, sub.ref, 1);
    t.clock.set(at(YEAR_LATER, 7 * DAY - 1));
    expect((await renew(sub)).json()).toMatchObject({ generation: 1, expiration_datetime: '2028-03-10T09:30:00Z', responseCode: 0 });
  });

  it('renews an ACTIVE subscription the worker has not reached yet, after its expiration', async () => {
    const sub = await subscribe(await pooledYearly(2));
    t.clock.set(at(YEAR_LATER, 2 * HOUR));
    expect((await renew(sub)).json()).toMatchObject({ partnerOrderNumber: `${sub.pon}-1`, generation: 1, expiration_datetime: '2028-03-10T09:30:00Z', responseCode: 0 });
    await runDue();
    expect(await statusOf(sub.pon, sub.id)).toMatchObject({ generation: 1, technicalStatus: 'ACTIVE' });
  });
});
