import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoCatalog } from '../../src/demo/load-demo.js';
import type { PosSettings } from '../../src/domains/partners/index.js';
import { DEMO_REFS as DEMO, createOrder, location, newPartnerOrderNumber, orderBody, orderLine, refusedOrder, withField, type Json } from '../support/orders.js';
import { givenKeys, givenProduct } from '../support/products.js';
import { startTestApp, type TestApp, type TestPartner } from '../support/test-app.js';

// createOrder's refusals (connect-api.md §2, §6, §10; rules.md §Orders, §Stock): every code of the §6
// table through HTTP, each refused call answered 201 with the exact refused shape, and which code wins
// when several apply. The demo catalog gives the options, the end-of-life and the EUR-only products;
// the products a test needs to own (stock, pre-orders) are built with refs of its own.

const NOW = '2026-06-15T10:00:00.000Z';

/** No serial, no file, priced in EUR and USD: never out of stock, sold by every POS of either currency. */
const PLAIN = 610_001;
/** A ref no product has. */
const UNKNOWN = 619_999;

let t: TestApp;
/** A POS with the defaults of `partner create`: EUR, FR, language fr, VAT policy `record`. */
let partner: TestPartner;

beforeAll(async () => {
  t = await startTestApp({ now: NOW });
  await loadDemoCatalog(t.app);
  await givenProduct(t.app.db, {
    ref: PLAIN,
    serialSource: 'none',
    prices: [{ currency: 'EUR', retailer: 1000, public: 2500, sale: 1999 }, { currency: 'USD', retailer: 1100, public: 2700, sale: 2199 }],
  });
  partner = await t.given.partner();
});
afterEach(() => t.clock.set(NOW));
afterAll(() => t.close());

let lastRef = 611_000;
/** A product of this file's own (a pooled key per unit unless `spec` says otherwise). */
async function newProduct(spec: Parameters<typeof givenProduct>[1] = {}): Promise<number> {
  return (await givenProduct(t.app.db, { ref: ++lastRef, ...spec })).ref;
}

const partnerWith = (pos: PosSettings) => t.given.partner({ pos });

/** The answer of createOrder, after checking it is HTTP 201 (refused or not). */
async function send(body: unknown, as: TestPartner = partner): Promise<Json> {
  const res = await createOrder(t.server, as, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** What a refused call echoes: the partnerOrderNumber when one was sent as text (or digits). */
function echoOf(body: Json): string | null {
  const sent = body.partnerOrderNumber;
  return typeof sent === 'string' || typeof sent === 'number' ? String(sent).trim() : null;
}

async function expectRefused(body: Json, code: number, as: TestPartner = partner, label?: string): Promise<void> {
  expect(await send(body, as), label ?? `expected ${code}`).toEqual(refusedOrder(echoOf(body), code));
}

async function expectAccepted(body: Json, as: TestPartner = partner, label?: string): Promise<Json> {
  const answer = await send(body, as);
  expect(answer.responseCode, `${label ?? ''} ${JSON.stringify(answer)}`).toBe(0);
  expect(answer.orderNumber).toEqual(expect.any(Number));
  return answer;
}

const plainOrder = (parts: Json = {}) => orderBody([PLAIN], parts);
const long = (length: number) => 'x'.repeat(length);
const discount = (overrides: Json = {}): Json => ({ foreignRef: 'PROMO-1', label: 'Spring sale', priceDelta: -2, operation: 'PERCENT', operationValue: 10, ...overrides });
const withoutKey = (object: Json, key: string): Json => Object.fromEntries(Object.entries(object).filter(([k]) => k !== key));

type Case = [description: string, path: (string | number)[], value: unknown];

/** Each case changes one field of a valid order; every one must be refused with the same code. */
async function expectEachRefused(code: number, cases: Case[], base: () => Json = plainOrder): Promise<void> {
  for (const [description, path, value] of cases) await expectRefused(withField(base(), path, value), code, partner, `${description} → ${code}`);
}

describe('createOrder: the order itself', () => {
  it('answers 201 with 1002 when the body is not JSON, not an object, or not sent as application/json', async () => {
    for (const [payload, type] of [
      ['this is not json', 'application/json'],
      ['{"partnerOrderNumber": "X-1",', 'application/json'],
      ['[]', 'application/json'],
      ['"an order"', 'application/json'],
      [JSON.stringify(plainOrder()), 'text/plain'],
      ['currency=EUR&orderDate=2026-06-15T12%3A00%3A00Z', 'application/x-www-form-urlencoded'],
    ]) {
      const res = await createOrder(t.server, partner, payload, { 'content-type': type! });
      expect(res.statusCode, payload).toBe(201);
      expect(res.json(), `${type} ${payload}`).toEqual(refusedOrder(null, 1002));
    }
    const withCharset = await createOrder(t.server, partner, JSON.stringify(plainOrder()), { 'content-type': 'application/json; charset=utf-8' });
    expect(withCharset.json().responseCode).toBe(0);
  });

  it('refuses a missing or blank partnerOrderNumber with 130, one that is not text or too long with 131', async () => {
    await expectEachRefused(130, [['absent', ['partnerOrderNumber'], undefined], ['empty', ['partnerOrderNumber'], ''], ['spaces', ['partnerOrderNumber'], '   '], ['null', ['partnerOrderNumber'], null]]);
    await expectEachRefused(131, [['65 characters', ['partnerOrderNumber'], long(65)], ['object', ['partnerOrderNumber'], { id: 1 }], ['boolean', ['partnerOrderNumber'], true]]);
    await expectAccepted(plainOrder({ partnerOrderNumber: `${newPartnerOrderNumber('P64')}-`.padEnd(64, 'x') }));
  });

  it('refuses a missing orderDate with 140 and one that is not an ISO 8601 date-time with offset with 141', async () => {
    await expectEachRefused(140, [['absent', ['orderDate'], undefined], ['empty', ['orderDate'], '']]);
    await expectEachRefused(141, [
      ['a date', ['orderDate'], '2026-06-15'],
      ['no offset', ['orderDate'], '2026-06-15T12:00:00'],
      ['not a date', ['orderDate'], '15/06/2026 12:00'],
      ['impossible day', ['orderDate'], '2026-02-30T12:00:00Z'],
      ['a number', ['orderDate'], 1781517600],
    ]);
    await expectAccepted(plainOrder({ orderDate: '2026-06-15T10:00:00Z' }));
    await expectAccepted(plainOrder({ orderDate: '2026-06-14T23:30:00.123-08:00' }));
  });

  it('refuses a missing currency with 120, one that is not three letters with 121', async () => {
    await expectEachRefused(120, [['absent', ['currency'], undefined], ['empty', ['currency'], '']]);
    await expectEachRefused(121, [['four letters', ['currency'], 'EURO'], ['two letters', ['currency'], 'EU'], ['digits', ['currency'], 978], ['letters and digit', ['currency'], 'EU1']]);
  });

  it('refuses a currency that is not ISO 4217 or not the POS currency with 1021, and accepts the POS currency in lower case', async () => {
    await expectRefused(plainOrder({ currency: 'XYZ' }), 1021);
    await expectRefused(plainOrder({ currency: 'USD' }), 1021);
    await expectAccepted(plainOrder({ currency: 'eur' }));
  });

  it('refuses an affiliateId that is not an integer id with 1045', async () => {
    await expectEachRefused(1045, [['text', ['affiliateId'], 'abc'], ['negative', ['affiliateId'], -1], ['fraction', ['affiliateId'], 1.5], ['2^31', ['affiliateId'], 2 ** 31]]);
    await expectAccepted(plainOrder({ affiliateId: 42 }));
  });

  it('refuses missing, empty, non-list orderLines and more than 50 lines with 200, and takes exactly 50', async () => {
    await expectEachRefused(200, [
      ['absent', ['orderLines'], undefined],
      ['empty', ['orderLines'], []],
      ['not a list', ['orderLines'], 'x'],
      ['51 lines', ['orderLines'], Array.from({ length: 51 }, () => orderLine(PLAIN))],
    ]);
    const answer = await expectAccepted(orderBody(Array.from({ length: 50 }, () => PLAIN)));
    expect(answer.orderLines).toHaveLength(50);
  });

  it('refuses a missing customer or one that is not an object with 300', async () => {
    await expectEachRefused(300, [['absent', ['customer'], undefined], ['text', ['customer'], 'jane'], ['list', ['customer'], [1]]]);
  });

  it('refuses a payment that is not an object or a paymentMethod that is not short text with 711', async () => {
    const withIp = () => plainOrder({ customer: { ipV4: '203.0.113.7' } });
    await expectEachRefused(711, [['text', ['payment'], 'card'], ['method object', ['payment'], { paymentMethod: { kind: 'card' } }], ['method too long', ['payment'], { paymentMethod: long(65) }]], withIp);
    await expectAccepted(plainOrder({ customer: { ipV4: '203.0.113.7' }, payment: { paymentMethod: 'External Payment', transactionId: 'TX-1' } }));
  });

  it('refuses a transactionId over 128 characters or not text with 721', async () => {
    const withIp = () => plainOrder({ customer: { ipV4: '203.0.113.7' } });
    await expectEachRefused(721, [['129 characters', ['payment'], { paymentMethod: 'External Payment', transactionId: long(129) }], ['object', ['payment'], { transactionId: { id: 1 } }]], withIp);
  });

  it('refuses metadata without a key (or not a list, or over 20 entries) with 751', async () => {
    await expectEachRefused(751, [
      ['value without key', ['metadata'], [{ value: 'spring' }]],
      ['not a list', ['metadata'], 'campaign=spring'],
      ['21 entries', ['metadata'], Array.from({ length: 21 }, (_, i) => ({ key: `k${i}`, value: 'v' }))],
    ]);
    await expectAccepted(plainOrder({ metadata: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: 'v' })) }));
  });

  it('accepts numeric strings for productRef and quantity', async () => {
    const answer = await expectAccepted(orderBody([orderLine(String(PLAIN), '2')]));
    expect(answer.orderLines).toEqual([expect.objectContaining({ productRef: PLAIN, lineItems: [expect.any(Object), expect.any(Object)] })]);
  });

  it('ignores unknown fields at every level', async () => {
    const body = orderBody([orderLine(PLAIN, 1, { colour: 'blue' })], {
      giftWrap: true,
      customer: { nickname: 'JD', locationInvoice: location({ floor: 3 }) },
    });
    await expectAccepted(body);
  });
});

describe('createOrder: what an order leaves behind (rules.md: ledger, outbox, audit log)', () => {
  it('writes, with the order, one ledger entry of its totals, one order.created event and one audit entry, each with its own values', async () => {
    const body = orderBody([orderLine(PLAIN, 3), orderLine(PLAIN, 1, { amountDutyFree: 15 })]);
    const orderNumber = (await expectAccepted(body)).orderNumber as number;
    const pon = body.partnerOrderNumber as string;

    const ledger = await t.app.db.selectFrom('ledger_entries').select(['partner_id', 'pos_id', 'kind', 'currency', 'retailer_minor', 'end_user_minor', 'at'])
      .where('order_number', '=', orderNumber).execute();
    // Retailer 10.00 × 4; end user 19.99 × 3 (the sale price) + 15.00 (sent for the line).
    expect(ledger).toEqual([{ partner_id: partner.partnerId, pos_id: partner.posId, kind: 'order', currency: 'EUR', retailer_minor: 4000, end_user_minor: 7497, at: NOW }]);

    const events = (await t.app.db.selectFrom('outbox_events').select(['event_id', 'partner_id', 'type', 'payload', 'created_at']).where('type', '=', 'order.created').execute())
      .filter((e) => (JSON.parse(e.payload) as { data: { orderNumber: number } }).data.orderNumber === orderNumber);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({ partner_id: partner.partnerId, type: 'order.created', created_at: NOW });
    expect(JSON.parse(event!.payload)).toEqual({
      id: event!.event_id, type: 'order.created', createdAt: NOW,
      data: { orderNumber, partnerOrderNumber: pon, posId: partner.posId, productRefs: [PLAIN, PLAIN] },
    });

    const audit = await t.app.db.selectFrom('audit_log').select(['at', 'actor', 'action', 'detail']).where('subject', '=', `order:${orderNumber}`).execute();
    expect(audit.map((a) => ({ ...a, detail: JSON.parse(a.detail) as unknown }))).toEqual([
      { at: NOW, actor: `partner:${partner.partnerId}`, action: 'order.created', detail: { partnerOrderNumber: pon, posId: partner.posId } },
    ]);
  });
});

describe('createOrder: order lines', () => {
  it('refuses a line without productRef with 210, one that is not a positive integer below 2^31 with 211', async () => {
    await expectEachRefused(210, [['absent', ['orderLines', 0, 'productRef'], undefined], ['empty', ['orderLines', 0, 'productRef'], ''], ['line not an object', ['orderLines', 0], 'x']]);
    await expectEachRefused(211, [
      ['text', ['orderLines', 0, 'productRef'], 'abc'],
      ['zero', ['orderLines', 0, 'productRef'], 0],
      ['negative', ['orderLines', 0, 'productRef'], -5],
      ['fraction', ['orderLines', 0, 'productRef'], 1.5],
      ['2^31', ['orderLines', 0, 'productRef'], 2 ** 31],
    ]);
  });

  it('refuses a missing quantity with 220, one outside 1..100 or not an integer with 221, and takes 100', async () => {
    await expectEachRefused(220, [['absent', ['orderLines', 0, 'quantity'], undefined], ['empty', ['orderLines', 0, 'quantity'], ' ']]);
    await expectEachRefused(221, [
      ['zero', ['orderLines', 0, 'quantity'], 0],
      ['101', ['orderLines', 0, 'quantity'], 101],
      ['negative', ['orderLines', 0, 'quantity'], -1],
      ['fraction', ['orderLines', 0, 'quantity'], 1.5],
      ['word', ['orderLines', 0, 'quantity'], 'two'],
    ]);
    const answer = await expectAccepted(orderBody([orderLine(PLAIN, 100)]));
    expect((answer.orderLines as { lineItems: unknown[] }[])[0]!.lineItems).toHaveLength(100);
  });

  it('refuses a vatRate that is not a number within 0..100 with 231', async () => {
    await expectEachRefused(231, [['101', ['orderLines', 0, 'vatRate'], 101], ['negative', ['orderLines', 0, 'vatRate'], -1], ['text', ['orderLines', 0, 'vatRate'], 'twenty']]);
  });

  it('refuses an amountDutyFree that is negative, not a number or finer than the currency with 241', async () => {
    await expectEachRefused(241, [['negative', ['orderLines', 0, 'amountDutyFree'], -1], ['text', ['orderLines', 0, 'amountDutyFree'], 'ten'], ['3 decimals in EUR', ['orderLines', 0, 'amountDutyFree'], 1.234]]);
  });

  it('refuses an amountTotal that is negative, not a number or finer than the currency with 251', async () => {
    await expectEachRefused(251, [['negative', ['orderLines', 0, 'amountTotal'], -1], ['text', ['orderLines', 0, 'amountTotal'], 'twelve'], ['3 decimals in EUR', ['orderLines', 0, 'amountTotal'], 12.001]]);
  });

  it('refuses a line endUserEmail that is not an email address with 321', async () => {
    await expectEachRefused(321, [['no domain', ['orderLines', 0, 'endUserEmail'], 'gift@'], ['no at', ['orderLines', 0, 'endUserEmail'], 'gift.example.com']]);
    await expectAccepted(orderBody([orderLine(PLAIN, 1, { endUserEmail: 'gift@example.com' })]));
  });

  it('reports the first failing field of the first failing line, in table order', async () => {
    const lines = [orderLine(PLAIN, 0, { vatRate: 101 }), orderLine('abc', 1)];
    await expectRefused(orderBody(lines), 221);
    await expectRefused(orderBody([orderLine(PLAIN, 1, { vatRate: 101, amountDutyFree: -1, amountTotal: -1, endUserEmail: 'x' })]), 231);
    await expectRefused(orderBody([orderLine(PLAIN, 1, { amountDutyFree: -1, amountTotal: -1, endUserEmail: 'x' })]), 241);
    await expectRefused(orderBody([orderLine(PLAIN, 1, { amountTotal: -1, endUserEmail: 'x', discounts: 'x' })]), 251);
    await expectRefused(orderBody([orderLine(PLAIN, 1, { endUserEmail: 'x', discounts: 'x' })]), 321);
  });
});

describe('createOrder: discounts', () => {
  const onLine = (value: unknown) => orderBody([orderLine(PLAIN, 1, { discounts: value })]);
  const onOrder = (value: unknown) => plainOrder({ discounts: value });

  it('ignores an empty discount ([{}]) on a line and on the order, and accepts complete ones in any case of operation', async () => {
    await expectAccepted(onLine([{}]));
    await expectAccepted(onOrder([{}]));
    await expectAccepted(onLine([discount({ operation: 'percent' })]));
    await expectAccepted(onOrder([discount({ operation: 'Amount', operationValue: 2.5 })]));
  });

  it('answers each discount code, on a line and on the order', async () => {
    const cases: [number, unknown][] = [
      [600, 'ten percent'],
      [600, [42]],
      [610, [withoutKey(discount(), 'foreignRef')]],
      [611, [discount({ foreignRef: long(65) })]],
      [611, [discount({ foreignRef: { id: 1 } })]],
      [620, [withoutKey(discount(), 'label')]],
      [621, [discount({ label: { text: 'sale' } })]],
      [630, [withoutKey(discount(), 'priceDelta')]],
      [631, [discount({ priceDelta: 'minus two' })]],
      [631, [discount({ priceDelta: -2.001 })]],
      [640, [withoutKey(discount(), 'operation')]],
      [641, [discount({ operation: 'HALF' })]],
      [650, [withoutKey(discount(), 'operationValue')]],
      [651, [discount({ operationValue: 150 })]],
      [651, [discount({ operation: 'AMOUNT', operationValue: -1 })]],
    ];
    for (const [code, value] of cases) {
      await expectRefused(onLine(value), code, partner, `line ${JSON.stringify(value)}`);
      await expectRefused(onOrder(value), code, partner, `order ${JSON.stringify(value)}`);
    }
  });
});

describe('createOrder: customer', () => {
  it('refuses a missing email with 320, an invalid one with 321', async () => {
    await expectEachRefused(320, [['absent', ['customer', 'email'], undefined], ['blank', ['customer', 'email'], ' ']]);
    await expectEachRefused(321, [['no at', ['customer', 'email'], 'jane'], ['no domain', ['customer', 'email'], 'jane@'], ['space', ['customer', 'email'], 'jane doe@example.com']]);
  });

  it('refuses a missing language with 330, one that is not ll_CC with 331', async () => {
    await expectEachRefused(330, [['absent', ['customer', 'language'], undefined]]);
    await expectEachRefused(331, [['dash', ['customer', 'language'], 'fr-FR'], ['word', ['customer', 'language'], 'french'], ['language only', ['customer', 'language'], 'fr'], ['three letters', ['customer', 'language'], 'fra_FRA']]);
  });

  it('refuses a language the POS does not speak with 1022, and accepts en_XE when en is a POS language', async () => {
    const english = await partnerWith({ languages: ['en'] });
    await expectRefused(plainOrder({ customer: { language: 'fr_FR' } }), 1022, english);
    await expectRefused(plainOrder({ customer: { language: 'en_ZZ' } }), 1022, english);
    await expectAccepted(plainOrder({ customer: { language: 'en_XE' } }), english);
    await expectAccepted(plainOrder({ customer: { language: 'en_GB' } }), english);
    await expectRefused(plainOrder({ customer: { language: 'en_GB' } }), 1022);
  });

  it('refuses a partnerId that is not text of at most 64 characters with 311', async () => {
    await expectEachRefused(311, [['65 characters', ['customer', 'partnerId'], long(65)], ['object', ['customer', 'partnerId'], { id: 1 }]]);
    await expectAccepted(plainOrder({ customer: { partnerId: 'CUST-42' } }));
  });

  it('refuses an invalid ipV4 with 341 and an invalid ipV6 with 343', async () => {
    await expectEachRefused(341, [['out of range', ['customer', 'ipV4'], '256.0.0.1'], ['three parts', ['customer', 'ipV4'], '10.0.1'], ['an IPv6', ['customer', 'ipV4'], '2001:db8::1']]);
    await expectEachRefused(343, [['bad hex', ['customer', 'ipV6'], '2001:db8::g'], ['an IPv4', ['customer', 'ipV6'], '203.0.113.7']]);
  });

  it('refuses a payment without ipV4 or ipV6 with 1046, and accepts it with either', async () => {
    const payment = { paymentMethod: 'External Payment', transactionId: 'TX-1046' };
    await expectRefused(plainOrder({ payment }), 1046);
    await expectAccepted(plainOrder({ payment, customer: { ipV4: '203.0.113.7' } }));
    await expectAccepted(plainOrder({ payment, customer: { ipV6: '2001:db8::7' } }));
    await expectAccepted(plainOrder());
  });
});

describe('createOrder: addresses', () => {
  const invoice = (field: string) => ['customer', 'locationInvoice', field];

  it('refuses a missing locationInvoice with 420', async () => {
    await expectEachRefused(420, [['absent', ['customer', 'locationInvoice'], undefined], ['text', ['customer', 'locationInvoice'], 'Paris'], ['empty', ['customer', 'locationInvoice'], {}]]);
  });

  it('answers each location field code', async () => {
    const cases: [number, string, unknown][] = [
      [431, 'title', 'Mr'],
      [431, 'title', -1],
      [440, 'lastName', undefined],
      [441, 'lastName', long(101)],
      [450, 'firstName', ''],
      [451, 'firstName', { first: 'Jane' }],
      [460, 'address1', undefined],
      [461, 'address1', long(256)],
      [481, 'zipCode', long(21)],
      [490, 'city', undefined],
      [491, 'city', long(101)],
      [500, 'country', undefined],
      [501, 'country', 'FRA'],
      [501, 'country', 'F1'],
      [531, 'address2', long(256)],
      [541, 'companyName', long(256)],
    ];
    for (const [code, field, value] of cases) {
      await expectRefused(withField(plainOrder(), invoice(field), value), code, partner, `invoice ${field}=${String(value).slice(0, 10)}`);
      await expectRefused(plainOrder({ customer: { locationDelivery: location({ [field]: value }) } }), code, partner, `delivery ${field}=${String(value).slice(0, 10)}`);
    }
  });

  it('refuses a country that is not ISO 3166-1 with 1023, on the invoice or the delivery address', async () => {
    await expectRefused(withField(plainOrder(), invoice('country'), 'ZZ'), 1023);
    await expectRefused(plainOrder({ customer: { locationDelivery: location({ country: 'ZZ' }) } }), 1023);
    await expectAccepted(withField(plainOrder(), invoice('country'), 'de'));
  });

  it('refuses a US address without province with 1048, a malformed one with 1049, one of another country with 1050', async () => {
    const us = (province: unknown) => plainOrder({ customer: { locationInvoice: location({ city: 'New York', zipCode: '10001', country: 'US', province }) } });
    await expectRefused(us(undefined), 1048);
    await expectRefused(us(''), 1048);
    await expectRefused(us('NEW-YORK'), 1049);
    await expectRefused(us('US-ZZ'), 1050);
    await expectRefused(us('CA-NY'), 1050);
    await expectAccepted(us('ny'));
    await expectAccepted(us('US-NY'));
    await expectAccepted(us(' us-ny '));
  });

  it('requires a province for CA, BR and AU too, on either address, and not for FR', async () => {
    for (const country of ['CA', 'BR', 'AU']) {
      await expectRefused(plainOrder({ customer: { locationInvoice: location({ country }) } }), 1048, partner, country);
    }
    await expectRefused(plainOrder({ customer: { locationDelivery: location({ country: 'CA', province: 'QC-ON' }) } }), 1050);
    await expectAccepted(plainOrder({ customer: { locationInvoice: location({ province: '' }) } }));
    await expectAccepted(plainOrder({ customer: { locationInvoice: location({ country: 'CA', province: 'CA-QC' }) } }));
  });

  it('refuses a backup DVD or a download DVD without a delivery address with 410', async () => {
    await expectRefused(orderBody([DEMO.downloadOnly, DEMO.backupDvd]), 410);
    await expectRefused(orderBody([DEMO.downloadOnly, DEMO.backupDvd], { customer: { locationDelivery: {} } }), 410);
    await expectRefused(orderBody([DEMO.pooledSerial, DEMO.downloadDvd]), 410);
    await expectAccepted(orderBody([DEMO.downloadOnly, DEMO.backupDvd], { customer: { locationDelivery: location({ address1: '2 avenue Foch' }) } }));
  });
});

describe('createOrder: products the POS sells', () => {
  it('refuses an unknown product, one outside the POS list, one at end of life and one without a price in the POS currency with 1020', async () => {
    await expectRefused(orderBody([UNKNOWN]), 1020);
    await expectRefused(orderBody([DEMO.endOfLife]), 1020);
    const listed = await partnerWith({ refs: [PLAIN] });
    await expectRefused(orderBody([DEMO.digitalLocker]), 1020, listed);
    await expectAccepted(orderBody([PLAIN]), listed);
    const dollars = await partnerWith({ currency: 'USD' });
    await expectRefused(orderBody([DEMO.pooledSerialEurOnly], { currency: 'USD' }), 1020, dollars);
    await expectAccepted(orderBody([PLAIN], { currency: 'USD' }), dollars);
  });

  it('refuses an option line without a main product that lists it with 1042', async () => {
    await expectRefused(orderBody([DEMO.downloadExtension]), 1042);
    await expectRefused(orderBody([PLAIN, DEMO.downloadExtension]), 1042);
    await expectRefused(orderBody([PLAIN, DEMO.backupDvd], { customer: { locationDelivery: location() } }), 1042);
    await expectAccepted(orderBody([DEMO.downloadOnly, DEMO.downloadExtension]));
  });

  it('refuses a pre-order product before its release date with 1051 and sells it from that date', async () => {
    const preOrder = await newProduct({ status: 'pre_order', releaseDate: '2026-07-01' });
    await givenKeys(t.app, preOrder, 2);
    await expectRefused(orderBody([preOrder]), 1051);
    t.clock.set('2026-06-30T23:59:59.000Z');
    await expectRefused(orderBody([preOrder]), 1051);
    t.clock.set('2026-07-01T00:00:00.000Z');
    await expectAccepted(orderBody([preOrder]));
    t.clock.set('2026-08-01T12:00:00.000Z');
    await expectAccepted(orderBody([preOrder]));
  });
});

describe('createOrder: VAT', () => {
  it('refuses under the strict policy a vatRate that is not the invoice country rate with 231', async () => {
    const strict = await partnerWith({ vatPolicy: 'strict' });
    await expectRefused(orderBody([orderLine(PLAIN, 1, { vatRate: 19.6 })]), 231, strict);
    await expectAccepted(orderBody([orderLine(PLAIN, 1, { vatRate: 20 })]), strict);
    await expectAccepted(orderBody([orderLine(PLAIN, 1, { vatRate: 19.6 })]), partner, 'record policy');
  });

  it('accepts any rate 0..100 under the strict policy for an invoice country outside the VAT table', async () => {
    const strict = await partnerWith({ vatPolicy: 'strict' });
    const southAfrica = { customer: { locationInvoice: location({ city: 'Cape Town', zipCode: '8001', country: 'ZA' }) } };
    await expectAccepted(orderBody([orderLine(PLAIN, 1, { vatRate: 7.5 })], southAfrica), strict);
    await expectAccepted(orderBody([orderLine(PLAIN, 1, { vatRate: 0 })], southAfrica), strict);
  });

  it("refuses Nexway's own sample amounts with 251 under the strict policy and accepts them under record", async () => {
    const sample = () => orderBody([orderLine(PLAIN, 1, { vatRate: 20, amountDutyFree: 0, amountTotal: 1 })]);
    const strict = await partnerWith({ vatPolicy: 'strict' });
    await expectRefused(sample(), 251, strict);
    await expectAccepted(sample(), partner);
    await expectAccepted(orderBody([orderLine(PLAIN, 2, { vatRate: 20, amountDutyFree: 33.33, amountTotal: 40 })]), strict, 'agrees within a minor unit per unit');
    await expectAccepted(orderBody([orderLine(PLAIN, 1, { amountDutyFree: 0, amountTotal: 1 })]), strict, 'no vatRate: nothing to check');
  });
});

describe('createOrder: 1010, an order already created', () => {
  it('refuses the same partnerOrderNumber with 1010 and the existing orderNumber, whatever the body', async () => {
    const first = await expectAccepted(plainOrder({ partnerOrderNumber: 'SAME-1010' }));
    const existing = first.orderNumber as number;
    expect(await send(plainOrder({ partnerOrderNumber: 'SAME-1010' }))).toEqual(refusedOrder('SAME-1010', 1010, existing));
    const other = orderBody([orderLine(DEMO.downloadOnly, 3)], { partnerOrderNumber: 'SAME-1010', customer: { email: 'someone@example.com' } });
    expect(await send(other)).toEqual(refusedOrder('SAME-1010', 1010, existing));
    expect(await send(orderBody([UNKNOWN], { partnerOrderNumber: 'SAME-1010', currency: 'USD' }))).toEqual(refusedOrder('SAME-1010', 1010, existing));
  });

  it('lets another partner use the same partnerOrderNumber', async () => {
    const first = await expectAccepted(plainOrder({ partnerOrderNumber: 'SHARED-PON' }));
    const other = await t.given.partner();
    const second = await expectAccepted(plainOrder({ partnerOrderNumber: 'SHARED-PON' }), other);
    expect(second.orderNumber).not.toBe(first.orderNumber);
    expect(second.partnerOrderNumber).toBe('SHARED-PON');
  });

  it('answers a format error before 1010', async () => {
    const pon = newPartnerOrderNumber();
    await expectAccepted(plainOrder({ partnerOrderNumber: pon }));
    await expectRefused(plainOrder({ partnerOrderNumber: pon, orderDate: 'yesterday' }), 141);
    await expectRefused(plainOrder({ partnerOrderNumber: pon, customer: { email: undefined } }), 320);
  });

  it('answers 1010 with the existing orderNumber to every copy of an order sent 20 times at once, allocating once', async () => {
    const pooled = await newProduct();
    await givenKeys(t.app, pooled, 30);
    const body = orderBody([orderLine(pooled, 1)]);
    const answers = await Promise.all(Array.from({ length: 20 }, () => send(body)));
    const created = answers.filter((a) => a.responseCode === 0);
    expect(created).toHaveLength(1);
    const refused = answers.filter((a) => a.responseCode !== 0);
    expect(refused).toEqual(Array.from({ length: 19 }, () => refusedOrder(body.partnerOrderNumber as string, 1010, created[0]!.orderNumber as number)));
    const assigned = await t.app.db.selectFrom('serial_keys').select('id').where('product_ref', '=', pooled).where('assigned_at', 'is not', null).execute();
    expect(assigned).toHaveLength(1);
  });

  it('answers 1010 to a retry even when the stock has run out since', async () => {
    const pooled = await newProduct();
    await givenKeys(t.app, pooled, 1);
    const body = orderBody([pooled]);
    const first = await expectAccepted(body);
    expect(await send(body)).toEqual(refusedOrder(body.partnerOrderNumber as string, 1010, first.orderNumber as number));
    await expectRefused(orderBody([pooled]), 1044);
  });
});

describe('createOrder: 1044, out of stock', () => {
  type Counts = Record<string, number>;
  const TABLES = ['orders', 'order_lines', 'line_items', 'download_grants', 'shipments', 'ledger_entries', 'outbox_events', 'audit_log'] as const;

  async function rowCounts(): Promise<Counts> {
    const counts: Counts = {};
    for (const table of TABLES) {
      const row = await t.app.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      counts[table] = Number(row.n);
    }
    return counts;
  }

  async function keysOf(ref: number) {
    return t.app.db.selectFrom('serial_keys').select(['id', 'assigned_at', 'line_item_id']).where('product_ref', '=', ref).orderBy('id').execute();
  }

  it('refuses the whole order with 1044 when a pool is one key short, assigning no key and storing nothing', async () => {
    const enough = await newProduct({ files: [{ label: 'Setup' }] });
    const short = await newProduct();
    await givenKeys(t.app, enough, 5);
    await givenKeys(t.app, short, 2);
    const before = await rowCounts();
    const body = orderBody([DEMO.downloadOnly, DEMO.backupDvd, orderLine(enough, 2), orderLine(short, 3)], { customer: { locationDelivery: location() } });

    await expectRefused(body, 1044);

    expect(await rowCounts()).toEqual(before);
    const pon = body.partnerOrderNumber as string;
    expect(await t.app.db.selectFrom('orders').select('order_number').where('partner_order_number', '=', pon).execute()).toEqual([]);
    for (const key of [...await keysOf(enough), ...await keysOf(short)]) expect(key).toEqual({ id: key.id, assigned_at: null, line_item_id: null });
    // Nothing was lost on the way: the same order one unit smaller is served from the same keys.
    await expectAccepted(withField(body, ['orderLines', 3, 'quantity'], 2));
    expect((await keysOf(short)).every((key) => key.line_item_id !== null)).toBe(true);
  });

  it('refuses with 1044, storing nothing, an order for more units than a generated product\'s pattern has serials left', async () => {
    // One random character: 36 serials in all, so the 37th unit cannot have its own.
    const narrow = await newProduct({ serialSource: 'generated', serialPattern: 'N-X' });
    const before = await rowCounts();
    await expectRefused(orderBody([orderLine(narrow, 37)]), 1044);
    expect(await rowCounts()).toEqual(before);
    expect(await keysOf(narrow)).toEqual([]);
    // A few units are still served (each serial drawn at random until an untaken one comes up).
    await expectAccepted(orderBody([orderLine(narrow, 10)]));
    expect(await keysOf(narrow)).toHaveLength(10);
  });

  it('counts whole units: two serials per unit and three keys serve one unit, not two', async () => {
    const twoPerUnit = await newProduct({ serialsPerUnit: 2 });
    await givenKeys(t.app, twoPerUnit, 3);
    await expectRefused(orderBody([orderLine(twoPerUnit, 2)]), 1044);
    expect((await keysOf(twoPerUnit)).every((key) => key.line_item_id === null)).toBe(true);
    await expectAccepted(orderBody([orderLine(twoPerUnit, 1)]));
  });

  it('serves each unit its own keys, oldest first, each tied to that unit\'s line item', async () => {
    const twoPerUnit = await newProduct({ serialsPerUnit: 2 });
    const keys = await givenKeys(t.app, twoPerUnit, 5);
    const answer = await expectAccepted(orderBody([orderLine(twoPerUnit, 2)]));
    const items = (answer.orderLines as Json[])[0]!.lineItems as { serials: { data: string }[] }[];
    expect(items.map((item) => item.serials.map((s) => s.data))).toEqual([keys.slice(0, 2), keys.slice(2, 4)]);
    const tied = (await keysOf(twoPerUnit)).map((key) => key.line_item_id);
    expect(tied[0]).toBe(tied[1]);
    expect(tied[2]).toBe(tied[3]);
    expect(new Set([tied[0], tied[2]]).size).toBe(2);
    expect(tied.slice(0, 4).every((id) => id !== null)).toBe(true);
    expect(tied[4]).toBeNull();
  });

  it('counts the units of repeated lines of one product together', async () => {
    const pooled = await newProduct();
    await givenKeys(t.app, pooled, 3);
    await expectRefused(orderBody([orderLine(pooled, 2), orderLine(pooled, 2)]), 1044);
    expect((await keysOf(pooled)).every((key) => key.line_item_id === null)).toBe(true);
    await expectAccepted(orderBody([orderLine(pooled, 2), orderLine(pooled, 1)]));
  });
});

describe('createOrder: which code wins (connect-api.md §10)', () => {
  it('checks fields in table order before any reference', async () => {
    let body: Json = {
      orderDate: 'soon', currency: 'EURO', affiliateId: 'x', orderLines: [],
      payment: 'card', discounts: 'none', metadata: 'none',
    };
    const steps: [number, (body: Json) => Json][] = [
      [130, (b) => ({ ...b, partnerOrderNumber: newPartnerOrderNumber() })],
      [141, (b) => ({ ...b, orderDate: '2026-06-15T12:00:00+02:00' })],
      [121, (b) => ({ ...b, currency: 'USD' })],
      [1045, (b) => ({ ...b, affiliateId: 7 })],
      [200, (b) => ({ ...b, orderLines: [orderLine(UNKNOWN)] })],
      [300, (b) => ({ ...b, customer: { email: 'jane@example.com', language: 'fr_FR', ipV4: '203.0.113.7', locationInvoice: location({ country: 'ZZ' }) } })],
      [711, (b) => ({ ...b, payment: { paymentMethod: 'External Payment' } })],
      [600, (b) => ({ ...b, discounts: [] })],
      [751, (b) => ({ ...b, metadata: [] })],
    ];
    for (const [code, fix] of steps) {
      await expectRefused(body, code, partner, `step ${code}`);
      body = fix(body);
    }
    // Every field is well-formed now: the references come next, the product first.
    await expectRefused(body, 1020);
  });

  it('answers 1020, 1021, 1022, 1023, 1048–1050, then 1042, 1051, 231, 251 and 1044 last', async () => {
    const strict = await partnerWith({ vatPolicy: 'strict', languages: ['en'] });
    const preOrder = await newProduct({ status: 'pre_order', releaseDate: '2027-01-01', serialSource: 'none' });
    const empty = await newProduct();
    const lines = {
      unknown: orderLine(UNKNOWN),
      option: orderLine(DEMO.downloadExtension),
      preOrder: orderLine(preOrder),
      badRate: orderLine(PLAIN, 1, { vatRate: 19.6 }),
      badAmounts: orderLine(PLAIN, 1, { vatRate: 20, amountDutyFree: 10, amountTotal: 10 }),
      outOfStock: orderLine(empty),
    };
    let body: Json = orderBody(Object.values(lines), {
      currency: 'USD',
      customer: { language: 'fr_FR', locationDelivery: location({ country: 'ZZ' }) },
    });
    const drop = (line: Json) => (b: Json) => ({ ...b, orderLines: (b.orderLines as Json[]).filter((l) => JSON.stringify(l) !== JSON.stringify(line)) });
    const delivery = (changes: Json) => (b: Json) => withField(b, ['customer', 'locationDelivery'], location(changes));
    const steps: [number, (b: Json) => Json][] = [
      [1020, (b) => drop(lines.unknown)(b)],
      [1021, (b) => ({ ...b, currency: 'EUR' })],
      [1022, (b) => withField(b, ['customer', 'language'], 'en_XE')],
      [1023, delivery({ country: 'US', city: 'New York' })],
      [1048, delivery({ country: 'US', city: 'New York', province: 'NEW-YORK' })],
      [1049, delivery({ country: 'US', city: 'New York', province: 'CA-NY' })],
      [1050, delivery({ country: 'US', city: 'New York', province: 'NY' })],
      [1042, (b) => drop(lines.option)(b)],
      [1051, (b) => drop(lines.preOrder)(b)],
      [231, (b) => drop(lines.badRate)(b)],
      [251, (b) => drop(lines.badAmounts)(b)],
      [1044, (b) => b],
    ];
    for (const [code, fix] of steps) {
      await expectRefused(body, code, strict, `step ${code}`);
      body = fix(body);
    }
    await givenKeys(t.app, empty, 1);
    await expectAccepted(body, strict);
  });

  it('answers 1020 before 1021, and 1042 before 1051 before 231 in a single line set', async () => {
    await expectRefused(orderBody([UNKNOWN], { currency: 'USD' }), 1020);
    const strict = await partnerWith({ vatPolicy: 'strict' });
    const preOrder = await newProduct({ status: 'pre_order', releaseDate: '2027-01-01', serialSource: 'none' });
    await expectRefused(orderBody([orderLine(PLAIN, 1, { vatRate: 5 }), preOrder, DEMO.backupDvd], { customer: { locationDelivery: location() } }), 1042, strict);
    await expectRefused(orderBody([orderLine(PLAIN, 1, { vatRate: 5 }), preOrder]), 1051, strict);
    await expectRefused(orderBody([orderLine(PLAIN, 1, { vatRate: 5 })]), 231, strict);
  });

  it('answers a format error of a later field before a reference error of an earlier one', async () => {
    await expectRefused(orderBody([UNKNOWN], { currency: 'USD', customer: { email: 'not-an-email' } }), 321);
    await expectRefused(orderBody([DEMO.endOfLife], { metadata: [{ value: 'no key' }] }), 751);
  });
});
