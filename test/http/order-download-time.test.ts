import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DAY } from '../support/clock.js';
import { connectCall, startDemoShop, type TestApp, type TestPartner } from '../support/test-app.js';

// updateDownloadTime (connect-api.md §6, §10 "Download window"). Orders are placed through createOrder
// on the demo catalog (730001: files, no serial; 750001: a file and a generated serial); received at START, their window ends on
// 2026-07-06 (21 days). Each test places its own orders.

const START = '2026-06-15T10:00:00.000Z';
const FIRST_END = '2026-07-06';
const PHOTO = 730001;
const GENERATED = 750001;

let t: TestApp;
let partner: TestPartner;
let other: TestPartner;

beforeAll(async () => {
  ({ t, partner, other } = await startDemoShop({ now: START, pos: { languages: ['fr', 'en'] } }));
});
afterAll(() => t.close());
beforeEach(() => t.clock.set(START));

type OrderAnswer = { partnerOrderNumber: string; orderNumber: number; orderLines: { dateEndDownload: string; files: unknown[] }[]; responseCode: number };

let count = 0;
const newPon = () => `DLT-${++count}`;

async function placeOrder(options: { by?: TestPartner; pon?: string | number } = {}): Promise<OrderAnswer> {
  const res = await connectCall(t.server, options.by ?? partner, {
    method: 'POST',
    url: '/connect/order/new',
    body: {
      partnerOrderNumber: options.pon ?? newPon(), orderDate: '2026-06-15T12:00:00+02:00', currency: 'EUR',
      orderLines: [{ productRef: PHOTO, quantity: 1 }, { productRef: GENERATED, quantity: 1 }],
      customer: { email: 'jane@example.com', language: 'fr_FR', locationInvoice: { lastName: 'Doe', firstName: 'Jane', address1: '1 rue de la Paix', city: 'Paris', country: 'FR' } },
    },
  });
  expect(res.statusCode).toBe(201);
  const body = res.json() as OrderAnswer;
  expect(body.responseCode).toBe(0);
  expect(body.orderLines.map((line) => line.dateEndDownload)).toEqual([FIRST_END, FIRST_END]);
  return body;
}

function update(body: unknown, by: TestPartner = partner) {
  return connectCall(t.server, by, { method: 'PUT', url: '/connect/order/download', body });
}

/** Sets `value` on the order and expects it accepted with `end` as the new last day. */
async function expectEnd(order: OrderAnswer, value: unknown, end: string): Promise<void> {
  const res = await update({ partnerOrderNumber: order.partnerOrderNumber, value });
  expect(res.statusCode, String(value)).toBe(200);
  expect(res.json(), String(value)).toEqual({ partnerOrderNumber: order.partnerOrderNumber, newDownloadEndDate: end, responseCode: 0, responseMessage: 'OK' });
}

async function expectRefused(body: unknown, partnerOrderNumber: string | null, code: number): Promise<void> {
  const res = await update(body);
  expect(res.statusCode, JSON.stringify(body)).toBe(200);
  expect(res.json(), JSON.stringify(body)).toEqual({ partnerOrderNumber, newDownloadEndDate: null, responseCode: code, responseMessage: expect.any(String) });
}

/** The window's end as getOrderData shows it on each line. */
async function shownEnds(order: OrderAnswer): Promise<string[]> {
  const res = await connectCall(t.server, partner, { method: 'GET', url: `/connect/order/${order.partnerOrderNumber}` });
  expect(res.json().responseCode).toBe(0);
  return (res.json() as OrderAnswer).orderLines.map((line) => line.dateEndDownload);
}

describe('PUT /connect/order/download with a date', () => {
  it('sets the new last day, shown on every line of getOrderData, links kept', async () => {
    const order = await placeOrder();
    await expectEnd(order, '2026-09-30', '2026-09-30');
    expect(await shownEnds(order)).toEqual(['2026-09-30', '2026-09-30']);
    const res = await connectCall(t.server, partner, { method: 'GET', url: `/connect/order/${order.partnerOrderNumber}` });
    expect((res.json() as OrderAnswer).orderLines.every((line) => line.files.length > 0)).toBe(true);
  });

  it('accepts today (UTC), earlier than the current end', async () => {
    const order = await placeOrder();
    await expectEnd(order, '2026-06-15', '2026-06-15');
    expect(await shownEnds(order)).toEqual(['2026-06-15', '2026-06-15']);
  });

  it('refuses with 111 a date before today (UTC), even by a few minutes after midnight, and keeps the end', async () => {
    const order = await placeOrder();
    await expectRefused({ partnerOrderNumber: order.partnerOrderNumber, value: '2026-06-14' }, order.partnerOrderNumber, 111);
    t.clock.set('2026-06-16T00:05:00.000Z');
    await expectRefused({ partnerOrderNumber: order.partnerOrderNumber, value: '2026-06-15' }, order.partnerOrderNumber, 111);
    await expectEnd(order, '2026-06-16', '2026-06-16');
  });
});

describe('PUT /connect/order/download with a duration', () => {
  it('adds P7D to the current end while it is ahead, and extensions add up', async () => {
    const order = await placeOrder();
    await expectEnd(order, 'P7D', '2026-07-13');
    await expectEnd(order, 'P7D', '2026-07-20');
    await expectEnd(order, 'P2W', '2026-08-03');
    await expectEnd(order, 'p1d', '2026-08-04');
    expect(await shownEnds(order)).toEqual(['2026-08-04', '2026-08-04']);
  });

  it('adds P7D to today once the window has ended', async () => {
    const order = await placeOrder();
    t.clock.set('2026-08-01T10:00:00.000Z');
    await expectEnd(order, 'P7D', '2026-08-08');
    expect(await shownEnds(order)).toEqual(['2026-08-08', '2026-08-08']);
  });

  it('adds months and years clamped to the end of the month', async () => {
    const order = await placeOrder();
    await expectEnd(order, '2026-08-31', '2026-08-31');
    await expectEnd(order, 'P1M', '2026-09-30');
    await expectEnd(order, '2026-12-31', '2026-12-31');
    await expectEnd(order, 'P1Y2M', '2028-02-29');
    expect(await shownEnds(order)).toEqual(['2028-02-29', '2028-02-29']);
  });
});

describe('PUT /connect/order/download: refusals', () => {
  it('answers 111 to a zero, a time part, a sign, a fraction, an impossible date or anything else, and keeps the end', async () => {
    const order = await placeOrder();
    const values = ['P0D', 'P0Y0M0W0D', 'PT1H', 'P1DT1H', '-P7D', 'P1.5D', 'P', 'garbage', '2026-02-30', '2026-6-30', '2026-06-30T00:00:00Z', 'P99999Y', 7, true, { days: 7 }, ['P7D']];
    for (const value of values) {
      await expectRefused({ partnerOrderNumber: order.partnerOrderNumber, value }, order.partnerOrderNumber, 111);
    }
    expect(await shownEnds(order)).toEqual([FIRST_END, FIRST_END]);
  });

  it('answers 110 when value is missing or blank', async () => {
    for (const body of [{ partnerOrderNumber: 'X' }, { partnerOrderNumber: 'X', value: null }, { partnerOrderNumber: 'X', value: '' }, { partnerOrderNumber: 'X', value: '  ' }]) {
      await expectRefused(body, 'X', 110);
    }
  });

  it('answers 100 when partnerOrderNumber is missing, blank or not text, before the value', async () => {
    await expectRefused({}, null, 100);
    await expectRefused({ value: 'garbage' }, null, 100);
    for (const value of [null, false, 2.5, { a: 1 }, []]) {
      await expectRefused({ partnerOrderNumber: value, value: 'P7D' }, null, 100);
    }
    // Blank text is echoed as sent (trimmed), like every identifier of a refused call.
    for (const value of ['', ' ']) await expectRefused({ partnerOrderNumber: value, value: 'P7D' }, '', 100);
  });

  it('checks the value before looking the order up', async () => {
    await expectRefused({ partnerOrderNumber: 'NO-SUCH-ORDER', value: 'PT1H' }, 'NO-SUCH-ORDER', 111);
    await expectRefused({ partnerOrderNumber: 'NO-SUCH-ORDER', value: '2026-01-01' }, 'NO-SUCH-ORDER', 111);
  });

  it('answers 1010 alike for an unknown order and for another partner\'s order, whose end stays', async () => {
    const foreign = await placeOrder({ by: other });
    await expectRefused({ partnerOrderNumber: 'NO-SUCH-ORDER', value: 'P7D' }, 'NO-SUCH-ORDER', 1010);
    await expectRefused({ partnerOrderNumber: foreign.partnerOrderNumber, value: 'P7D' }, foreign.partnerOrderNumber, 1010);
    const row = await t.app.db.selectFrom('orders').select('download_ends_on').where('order_number', '=', foreign.orderNumber).executeTakeFirstOrThrow();
    expect(row.download_ends_on).toBe(FIRST_END);
  });

  it('answers 1011 on a cancelled order, whose end stays the cancellation date', async () => {
    const order = await placeOrder();
    t.clock.advance(2 * DAY);
    const cancelled = await connectCall(t.server, partner, { method: 'PUT', url: '/connect/order/cancel', body: { partnerOrderNumber: order.partnerOrderNumber, reasonCode: 2 } });
    expect(cancelled.json().responseCode).toBe(0);
    await expectRefused({ partnerOrderNumber: order.partnerOrderNumber, value: 'P7D' }, order.partnerOrderNumber, 1011);
    await expectRefused({ partnerOrderNumber: order.partnerOrderNumber, value: '2026-12-31' }, order.partnerOrderNumber, 1011);
    expect(await shownEnds(order)).toEqual(['2026-06-17', '2026-06-17']);
  });

  it('answers 1002 with the same keys to a body that is not JSON', async () => {
    const res = await t.server.inject({ method: 'PUT', url: '/connect/order/download', headers: { ...(await partner.headers()), 'content-type': 'application/json' }, payload: '[1]' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ partnerOrderNumber: null, newDownloadEndDate: null, responseCode: 1002, responseMessage: expect.any(String) });
  });
});

describe('PUT /connect/order/download: records', () => {
  it('reads a partnerOrderNumber sent as a JSON integer as createOrder does', async () => {
    const order = await placeOrder({ pon: 990_000 + ++count });
    const res = await update({ partnerOrderNumber: Number(order.partnerOrderNumber), value: 'P7D' });
    expect(res.json()).toEqual({ partnerOrderNumber: order.partnerOrderNumber, newDownloadEndDate: '2026-07-13', responseCode: 0, responseMessage: 'OK' });
  });

  it('writes an audit entry with the previous and the new end', async () => {
    const order = await placeOrder();
    await expectEnd(order, 'P1M', '2026-08-06');
    const audit = await t.app.db.selectFrom('audit_log').selectAll()
      .where('action', '=', 'order.download_time_updated').where('subject', '=', `order:${order.orderNumber}`).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor).toBe(`partner:${partner.partnerId}`);
    expect(JSON.parse(audit[0]!.detail)).toEqual({ partnerOrderNumber: order.partnerOrderNumber, posId: partner.posId, value: 'P1M', previousEnd: FIRST_END, newEnd: '2026-08-06' });
  });
});
