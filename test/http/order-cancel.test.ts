import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DAY, SECOND } from '../support/clock.js';
import { connectCall, startDemoShop, type TestApp, type TestPartner } from '../support/test-app.js';

// cancelOrder (connect-api.md §6, §10; rules.md §Orders "Cancellation"). Orders are placed through
// createOrder on the demo catalog: 710001 (a key per unit, files, download manager, options 900001–3),
// 730001 (files, no serial), 900002 (backup DVD option, shipped). Each test places its own orders.

const START = '2026-06-15T10:00:00.000Z';
const KEYED = 710001;
const FILES_ONLY = 730001;
const BACKUP_DVD = 900002;
const DOWNLOAD_DVD = 900003;

let t: TestApp;
let partner: TestPartner;
let other: TestPartner;

beforeAll(async () => {
  ({ t, partner, other } = await startDemoShop({ now: START, keys: true, pos: { languages: ['fr', 'en'] } }));
});
afterAll(() => t.close());
beforeEach(() => t.clock.set(START));

type Json = Record<string, unknown>;
type OrderAnswer = { partnerOrderNumber: string; orderNumber: number; orderLines: Json[]; downloadManager: unknown; responseCode: number };

const location = { lastName: 'Doe', firstName: 'Jane', address1: '1 rue de la Paix', city: 'Paris', country: 'FR' };

let count = 0;
const newPon = () => `CXL-${++count}`;

/** Places an order through createOrder and returns its answer (asserting it was accepted). */
async function placeOrder(lines: { productRef: number; quantity: number }[], options: { by?: TestPartner; pon?: string | number; secret?: string } = {}): Promise<OrderAnswer> {
  const res = await connectCall(t.server, options.by ?? partner, {
    method: 'POST',
    url: '/connect/order/new',
    body: {
      partnerOrderNumber: options.pon ?? newPon(), orderDate: '2026-06-15T12:00:00+02:00', currency: 'EUR', orderLines: lines,
      customer: { email: 'jane@example.com', language: 'fr_FR', locationInvoice: location, locationDelivery: location },
    },
    ...(options.secret && { headers: { secret: options.secret } }),
  });
  expect(res.statusCode).toBe(201);
  const body = res.json() as OrderAnswer;
  expect(body.responseCode).toBe(0);
  return body;
}

function cancel(body: unknown, options: { by?: TestPartner; secret?: string } = {}) {
  return connectCall(t.server, options.by ?? partner, {
    method: 'PUT', url: '/connect/order/cancel', body, ...(options.secret && { headers: { secret: options.secret } }),
  });
}

/** The refused answer: cancelOrder's keys, partnerOrderNumber echoed, the rest null. */
const refused = (partnerOrderNumber: string | null, code: number) => ({
  partnerOrderNumber, orderNumber: null, newDownloadEndDate: null, responseCode: code, responseMessage: expect.any(String),
});

async function expectRefused(body: unknown, partnerOrderNumber: string | null, code: number, options: { by?: TestPartner; secret?: string } = {}): Promise<void> {
  const res = await cancel(body, options);
  expect(res.statusCode, JSON.stringify(body)).toBe(200);
  expect(res.json(), JSON.stringify(body)).toEqual(refused(partnerOrderNumber, code));
}

async function expectCancelled(order: OrderAnswer, on: string, options: { by?: TestPartner; secret?: string; reasonCode?: unknown } = {}): Promise<void> {
  const res = await cancel({ partnerOrderNumber: order.partnerOrderNumber, reasonCode: options.reasonCode ?? 2 }, options);
  expect(res.statusCode).toBe(200);
  expect(res.json()).toEqual({ partnerOrderNumber: order.partnerOrderNumber, orderNumber: order.orderNumber, newDownloadEndDate: on, responseCode: 0, responseMessage: 'OK' });
}

const orderRow = (orderNumber: number) => t.app.db.selectFrom('orders').selectAll().where('order_number', '=', orderNumber).executeTakeFirstOrThrow();

async function freeKeys(productRef: number): Promise<number> {
  const rows = await t.app.db.selectFrom('serial_keys').select('id').where('product_ref', '=', productRef).where('line_item_id', 'is', null).execute();
  return rows.length;
}

async function keysOf(orderNumber: number) {
  return t.app.db.selectFrom('serial_keys as k')
    .innerJoin('line_items as i', 'i.id', 'k.line_item_id')
    .innerJoin('order_lines as l', 'l.id', 'i.order_line_id')
    .select(['k.id', 'k.assigned_at', 'k.line_item_id'])
    .where('l.order_number', '=', orderNumber).orderBy('k.id').execute();
}

describe('PUT /connect/order/cancel: a cancellation', () => {
  it('cancels an active order, answers the cancellation date and stores status, time, reason and comment', async () => {
    const order = await placeOrder([{ productRef: KEYED, quantity: 1 }]);
    t.clock.advance(3 * DAY + 5 * 3_600_000);
    const res = await cancel({ partnerOrderNumber: order.partnerOrderNumber, reasonCode: 3, comment: '  changed her mind  ' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ partnerOrderNumber: order.partnerOrderNumber, orderNumber: order.orderNumber, newDownloadEndDate: '2026-06-18', responseCode: 0, responseMessage: 'OK' });
    const row = await orderRow(order.orderNumber);
    expect(row).toMatchObject({ status: 'cancelled', cancelled_at: '2026-06-18T15:00:00.000Z', cancel_reason: 3, cancel_comment: 'changed her mind', download_ends_on: '2026-06-18' });
  });

  it('accepts a numeric-string reasonCode, no comment, and a partnerOrderNumber sent as a JSON integer as createOrder does', async () => {
    const order = await placeOrder([{ productRef: FILES_ONLY, quantity: 1 }], { pon: 880_000 + ++count });
    const res = await cancel({ partnerOrderNumber: Number(order.partnerOrderNumber), reasonCode: '16' });
    expect(res.json()).toEqual({ partnerOrderNumber: order.partnerOrderNumber, orderNumber: order.orderNumber, newDownloadEndDate: '2026-06-15', responseCode: 0, responseMessage: 'OK' });
    expect(await orderRow(order.orderNumber)).toMatchObject({ status: 'cancelled', cancel_reason: 16, cancel_comment: null });
  });

  it('keeps control characters out of the stored comment and cuts it at 1000 characters', async () => {
    const order = await placeOrder([{ productRef: FILES_ONLY, quantity: 1 }]);
    await cancel({ partnerOrderNumber: order.partnerOrderNumber, reasonCode: 2, comment: `a\u0000b\nc${'x'.repeat(2000)}` });
    const comment = (await orderRow(order.orderNumber)).cancel_comment!;
    expect(comment.startsWith('ab\nc')).toBe(true);
    expect(comment).toHaveLength(1000);
  });

  it('shows in getOrderData no files and no download manager, the same serials, and the cancellation date on every line', async () => {
    const order = await placeOrder([{ productRef: KEYED, quantity: 2 }, { productRef: FILES_ONLY, quantity: 1 }]);
    expect(order.downloadManager).not.toBeNull();
    t.clock.advance(2 * DAY);
    await expectCancelled(order, '2026-06-17');
    const res = await connectCall(t.server, partner, { method: 'GET', url: `/connect/order/${order.partnerOrderNumber}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      ...order,
      orderLines: order.orderLines.map((line) => ({ ...line, files: [], dateEndDownload: '2026-06-17' })),
      downloadManager: null,
      responseCode: 0,
      responseMessage: 'OK',
    });
    const serials = (res.json() as OrderAnswer).orderLines[0]!.lineItems as { serials: unknown[] }[];
    expect(serials.map((item) => item.serials.length)).toEqual([1, 1]);
  });

  it('stops the download links and the download manager link at once, the same day', async () => {
    const order = await placeOrder([{ productRef: KEYED, quantity: 1 }, { productRef: FILES_ONLY, quantity: 1 }]);
    const urls = [
      ...order.orderLines.flatMap((line) => (line.files as { url: string }[]).map((file) => file.url)),
      (order.downloadManager as { pc: string }).pc,
    ].map((url) => new URL(url).pathname);
    expect(urls.length).toBeGreaterThan(2);
    for (const url of urls) expect((await t.server.inject({ method: 'HEAD', url })).statusCode, url).toBeLessThan(400);
    t.clock.advance(3_600_000);
    await expectCancelled(order, '2026-06-15');
    for (const url of urls) expect((await t.server.inject({ method: 'HEAD', url })).statusCode, url).toBe(410);
  });

  it('keeps the keys assigned to the order: none returns to the pool', async () => {
    const before = await freeKeys(KEYED);
    const order = await placeOrder([{ productRef: KEYED, quantity: 2 }]);
    expect(await freeKeys(KEYED)).toBe(before - 2);
    const assigned = await keysOf(order.orderNumber);
    expect(assigned).toHaveLength(2);
    await expectCancelled(order, '2026-06-15');
    expect(await freeKeys(KEYED)).toBe(before - 2);
    const after = await keysOf(order.orderNumber);
    expect(after).toEqual(assigned);
    for (const key of after) {
      expect(key.assigned_at).not.toBeNull();
      expect(key.line_item_id).not.toBeNull();
    }
  });

  it('cancels the shipments not shipped yet and leaves a shipped one as it is', async () => {
    const order = await placeOrder([{ productRef: KEYED, quantity: 1 }, { productRef: BACKUP_DVD, quantity: 1 }, { productRef: DOWNLOAD_DVD, quantity: 1 }]);
    const shipments = () => t.app.db.selectFrom('shipments').select(['id', 'product_ref', 'status', 'tracking_number'])
      .where('order_number', '=', order.orderNumber).orderBy('product_ref').execute();
    expect((await shipments()).map((s) => s.status)).toEqual(['to_ship', 'to_ship']);
    // The operator ships the download DVD (there is no back office yet: straight into the table).
    const dvd = (await shipments()).find((s) => s.product_ref === DOWNLOAD_DVD)!;
    await t.app.db.updateTable('shipments').set({ status: 'shipped', tracking_number: 'TRK-1', shipped_at: START }).where('id', '=', dvd.id).execute();
    await expectCancelled(order, '2026-06-15');
    expect(await shipments()).toEqual([
      { id: expect.any(Number), product_ref: BACKUP_DVD, status: 'cancelled', tracking_number: null },
      { id: dvd.id, product_ref: DOWNLOAD_DVD, status: 'shipped', tracking_number: 'TRK-1' },
    ]);
  });

  it('records a credit note with the negated retailer and end-user totals of the order', async () => {
    const order = await placeOrder([{ productRef: KEYED, quantity: 2 }, { productRef: BACKUP_DVD, quantity: 1 }]);
    t.clock.advance(DAY);
    await expectCancelled(order, '2026-06-16');
    const entries = await t.app.db.selectFrom('ledger_entries').selectAll().where('order_number', '=', order.orderNumber).orderBy('id').execute();
    expect(entries.map((e) => e.kind)).toEqual(['order', 'credit_note']);
    const [placed, credit] = entries as [typeof entries[number], typeof entries[number]];
    expect(placed.retailer_minor).toBeGreaterThan(0);
    expect(placed.end_user_minor).toBeGreaterThan(0);
    expect(credit).toMatchObject({
      partner_id: partner.partnerId, pos_id: partner.posId, currency: 'EUR', at: '2026-06-16T10:00:00.000Z',
      retailer_minor: -placed.retailer_minor, end_user_minor: -placed.end_user_minor,
    });
  });

  it('raises order.cancelled in the outbox and writes an audit entry', async () => {
    const order = await placeOrder([{ productRef: FILES_ONLY, quantity: 1 }]);
    t.clock.advance(SECOND);
    await cancel({ partnerOrderNumber: order.partnerOrderNumber, reasonCode: 4, comment: 'double' });
    const events = await t.app.db.selectFrom('outbox_events').selectAll().where('type', '=', 'order.cancelled').execute();
    const mine = events.filter((e) => (JSON.parse(e.payload) as { data: { orderNumber: number } }).data.orderNumber === order.orderNumber);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.partner_id).toBe(partner.partnerId);
    expect(JSON.parse(mine[0]!.payload)).toEqual({
      id: mine[0]!.event_id, type: 'order.cancelled', createdAt: '2026-06-15T10:00:01.000Z',
      data: { orderNumber: order.orderNumber, partnerOrderNumber: order.partnerOrderNumber, posId: partner.posId, reasonCode: 4, cancelledAt: '2026-06-15T10:00:01.000Z' },
    });
    const audit = await t.app.db.selectFrom('audit_log').selectAll().where('action', '=', 'order.cancelled').where('subject', '=', `order:${order.orderNumber}`).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor).toBe(`partner:${partner.partnerId}`);
    expect(JSON.parse(audit[0]!.detail)).toMatchObject({ partnerOrderNumber: order.partnerOrderNumber, reasonCode: 4, comment: 'double' });
  });
});

describe('PUT /connect/order/cancel: refusals', () => {
  it('answers 1011 to a second cancellation and records nothing more', async () => {
    const order = await placeOrder([{ productRef: FILES_ONLY, quantity: 1 }]);
    await expectCancelled(order, '2026-06-15');
    t.clock.advance(DAY);
    await expectRefused({ partnerOrderNumber: order.partnerOrderNumber, reasonCode: 2 }, order.partnerOrderNumber, 1011);
    expect(await orderRow(order.orderNumber)).toMatchObject({ cancelled_at: START, download_ends_on: '2026-06-15' });
    const credits = await t.app.db.selectFrom('ledger_entries').select('id').where('order_number', '=', order.orderNumber).where('kind', '=', 'credit_note').execute();
    expect(credits).toHaveLength(1);
  });

  it('lets only one of two simultaneous cancellations through; the other answers 1011', async () => {
    const order = await placeOrder([{ productRef: FILES_ONLY, quantity: 1 }]);
    const answers = await Promise.all([1, 2].map(() => cancel({ partnerOrderNumber: order.partnerOrderNumber, reasonCode: 2 })));
    expect(answers.map((res) => res.json().responseCode).sort()).toEqual([0, 1011]);
    const credits = await t.app.db.selectFrom('ledger_entries').select('id').where('order_number', '=', order.orderNumber).where('kind', '=', 'credit_note').execute();
    expect(credits).toHaveLength(1);
  });

  it('answers 1010 alike for an unknown order and for another partner\'s order, which stays active', async () => {
    const foreign = await placeOrder([{ productRef: FILES_ONLY, quantity: 1 }], { by: other });
    await expectRefused({ partnerOrderNumber: 'NO-SUCH-ORDER', reasonCode: 2 }, 'NO-SUCH-ORDER', 1010);
    await expectRefused({ partnerOrderNumber: foreign.partnerOrderNumber, reasonCode: 2 }, foreign.partnerOrderNumber, 1010);
    await expectRefused({ partnerOrderNumber: 'PON\u0000', reasonCode: 2 }, 'PON\u0000', 1010);
    await expectRefused({ partnerOrderNumber: 'x'.repeat(300), reasonCode: 2 }, 'x'.repeat(300), 1010);
    expect((await orderRow(foreign.orderNumber)).status).toBe('active');
  });

  it('answers 110 when partnerOrderNumber is missing, blank or not text, before anything else', async () => {
    await expectRefused({}, null, 110);
    await expectRefused({ reasonCode: 'bad' }, null, 110);
    for (const value of [null, true, 1.5, { a: 1 }, ['X']]) {
      await expectRefused({ partnerOrderNumber: value, reasonCode: 2 }, null, 110);
    }
    // Blank text is echoed as sent (trimmed), like every identifier of a refused call.
    for (const value of ['', '   ']) await expectRefused({ partnerOrderNumber: value, reasonCode: 2 }, '', 110);
  });

  it('answers 100 when reasonCode is missing or blank', async () => {
    for (const body of [{ partnerOrderNumber: 'X' }, { partnerOrderNumber: 'X', reasonCode: null }, { partnerOrderNumber: 'X', reasonCode: ' ' }]) {
      await expectRefused(body, 'X', 100);
    }
  });

  it('answers 101 when reasonCode is not one of 2, 3, 4, 5, 6, 16, before looking the order up', async () => {
    const order = await placeOrder([{ productRef: FILES_ONLY, quantity: 1 }]);
    for (const reasonCode of [0, 1, 7, 15, 17, -2, 2.5, '2.5', 'abc', true, [2], { code: 2 }]) {
      await expectRefused({ partnerOrderNumber: order.partnerOrderNumber, reasonCode }, order.partnerOrderNumber, 101);
    }
    await expectRefused({ partnerOrderNumber: 'NO-SUCH-ORDER', reasonCode: 99 }, 'NO-SUCH-ORDER', 101);
    expect((await orderRow(order.orderNumber)).status).toBe('active');
  });

  it('answers 1002 with the same keys to a body that is not JSON', async () => {
    const res = await t.server.inject({ method: 'PUT', url: '/connect/order/cancel', headers: { ...(await partner.headers()), 'content-type': 'application/json' }, payload: '{not json' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(refused(null, 1002));
  });
});

describe('PUT /connect/order/cancel: the cancel window of the order\'s POS', () => {
  it('allows a cancellation exactly 30 days after the order was received (the default window)', async () => {
    const order = await placeOrder([{ productRef: FILES_ONLY, quantity: 1 }]);
    t.clock.advance(30 * DAY);
    await expectCancelled(order, '2026-07-15');
  });

  it('answers 1020 one second after the 30 days, and the order stays active', async () => {
    const order = await placeOrder([{ productRef: FILES_ONLY, quantity: 1 }]);
    t.clock.advance(30 * DAY + SECOND);
    await expectRefused({ partnerOrderNumber: order.partnerOrderNumber, reasonCode: 2 }, order.partnerOrderNumber, 1020);
    expect(await orderRow(order.orderNumber)).toMatchObject({ status: 'active', cancelled_at: null, download_ends_on: '2026-07-06' });
  });

  it('answers 1011 rather than 1020 for an order cancelled long ago', async () => {
    const order = await placeOrder([{ productRef: FILES_ONLY, quantity: 1 }]);
    await expectCancelled(order, '2026-06-15');
    t.clock.advance(90 * DAY);
    await expectRefused({ partnerOrderNumber: order.partnerOrderNumber, reasonCode: 2 }, order.partnerOrderNumber, 1011);
  });

  it('with a window of 0 days allows a cancellation only at the instant the order was received', async () => {
    const zero = await t.given.partner({ pos: { languages: ['fr', 'en'] } });
    await t.app.db.transaction().execute((tx) => t.app.partners.updatePointOfSale(tx, zero.posId, { cancelWindowDays: 0 }, 'test'));
    const first = await placeOrder([{ productRef: FILES_ONLY, quantity: 1 }], { by: zero });
    await expectCancelled(first, '2026-06-15', { by: zero });
    const second = await placeOrder([{ productRef: FILES_ONLY, quantity: 1 }], { by: zero });
    t.clock.advance(SECOND);
    await expectRefused({ partnerOrderNumber: second.partnerOrderNumber, reasonCode: 2 }, second.partnerOrderNumber, 1020, { by: zero });
  });

  it('with a window of 5 days allows a cancellation at 5 days and refuses it one second later', async () => {
    const five = await t.given.partner({ pos: { languages: ['fr', 'en'] } });
    await t.app.db.transaction().execute((tx) => t.app.partners.updatePointOfSale(tx, five.posId, { cancelWindowDays: 5 }, 'test'));
    const first = await placeOrder([{ productRef: FILES_ONLY, quantity: 1 }], { by: five });
    const second = await placeOrder([{ productRef: FILES_ONLY, quantity: 1 }], { by: five });
    t.clock.advance(5 * DAY);
    await expectCancelled(first, '2026-06-20', { by: five });
    t.clock.advance(SECOND);
    await expectRefused({ partnerOrderNumber: second.partnerOrderNumber, reasonCode: 2 }, second.partnerOrderNumber, 1020, { by: five });
  });

  it('applies the window of the POS that took the order, whichever POS of the partner calls', async () => {
    const shop = await t.given.partner({ pos: { languages: ['fr', 'en'], cancelWindowDays: 5 } });
    const { secret: longSecret } = await t.app.db.transaction().execute((tx) =>
      t.app.partners.createPointOfSale(tx, shop.partnerId, { languages: ['fr', 'en'], cancelWindowDays: 30 }, 'test'));
    const viaShort = await placeOrder([{ productRef: FILES_ONLY, quantity: 1 }], { by: shop });
    const viaLong = await placeOrder([{ productRef: FILES_ONLY, quantity: 1 }], { by: shop, secret: longSecret });
    t.clock.advance(10 * DAY);
    await expectRefused({ partnerOrderNumber: viaShort.partnerOrderNumber, reasonCode: 2 }, viaShort.partnerOrderNumber, 1020, { by: shop, secret: longSecret });
    await expectCancelled(viaLong, '2026-06-25', { by: shop });
  });
});
