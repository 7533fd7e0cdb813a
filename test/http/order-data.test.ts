import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoDirectory, loadDemoCatalog, loadDemoKeys } from '../../src/demo/load-demo.js';
import { DEMO_REFS as DEMO, createOrder, getOrderData, location, newPartnerOrderNumber, orderBody, orderLine, refusedOrder, type Json } from '../support/orders.js';
import { givenKeys, givenProduct } from '../support/products.js';
import { startTestApp, type TestApp, type TestPartner } from '../support/test-app.js';

// What a placed order answers (connect-api.md §6 "Answer 201", getOrderData; rules.md §Orders, §Stock):
// the exact shape, serials, files, remarks, the download window, order numbers, and what placing an
// order stores (keys, shipments, the ledger). Products come from the demo catalog (each delivery case)
// or are built by the test that needs them.

const NOW = '2026-06-15T10:00:00.000Z';
/** The received date (2026-06-15) + 21 days. */
const WINDOW_END = '2026-07-06';
const MAX_ID = 2 ** 31 - 1;

let t: TestApp;
let demoKeys: Map<number, Set<string>>;

beforeAll(async () => {
  t = await startTestApp({ now: NOW });
  await loadDemoCatalog(t.app);
  await loadDemoKeys(t.app);
  demoKeys = new Map(fs.readdirSync(path.join(demoDirectory(), 'keys')).map((name) => [
    Number(name.slice(0, -4)),
    new Set(fs.readFileSync(path.join(demoDirectory(), 'keys', name), 'utf8').split('\n').map((key) => key.trim()).filter(Boolean)),
  ]));
});
afterEach(() => t.clock.set(NOW));
afterAll(() => t.close());

type Serial = { data: string; encoding: string; charset: string; fileName: string };
type LineItem = { serials: Serial[]; subscriptionId: number | null; responseCode: number; responseMessage: string };
type File = { label: string; type: string; url: string; size: number; group: string };
type Line = {
  productRef: number; lineItems: LineItem[]; files: File[]; dateEndDownload: string;
  digitalLockerLink: string | null; remark: string | null; responseCode: number; responseMessage: string;
};
type Answer = {
  partnerOrderNumber: string | null; orderNumber: number | null; orderLines: Line[];
  downloadManager: { pc: string; mac: string } | null; responseCode: number; responseMessage: string;
};

/** A signed link of this server (PUBLIC_URL is http://resell.test in tests). */
const DOWNLOAD_URL = /^http:\/\/resell\.test\/dl\/[A-Za-z0-9._~-]+$/;
const METALINK_URL = /^http:\/\/resell\.test\/dl\/[A-Za-z0-9._~-]+\/order\.meta4$/;

const sizeOf = (file: string) => fs.statSync(path.join(demoDirectory(), 'files', file)).size;

/** A unit as answered: its serials in the wire form, no subscription. */
const unit = (...serials: string[]): LineItem => ({
  serials: serials.map((data) => ({ data, encoding: 'text', charset: 'utf-8', fileName: '' })),
  subscriptionId: null,
  responseCode: 0,
  responseMessage: '',
});

const file = (label: string, type: string, size: number, group: string) => ({ label, type, url: expect.stringMatching(DOWNLOAD_URL), size, group });

/** A line as answered, with the defaults of a line without files, locker, remark or serials. */
const line = (productRef: number, parts: Partial<Line> & { lineItems: LineItem[] }) => ({
  productRef, files: [], dateEndDownload: WINDOW_END, digitalLockerLink: null, remark: null, responseCode: 0, responseMessage: '', ...parts,
});

async function place(partner: TestPartner, body: Json): Promise<Answer> {
  const res = await createOrder(t.server, partner, body);
  expect(res.statusCode).toBe(201);
  const answer = res.json<Answer>();
  expect(answer.responseCode, res.body).toBe(0);
  return answer;
}

const serialsOf = (answer: Answer, lineIndex = 0) => answer.orderLines[lineIndex]!.lineItems.map((item) => item.serials.map((s) => s.data));

describe('createOrder: the answer', () => {
  it('answers a pooled-serial order with one line item per unit, its files and a download manager', async () => {
    const partner = await t.given.partner();
    const body = orderBody([orderLine(DEMO.pooledSerial, 2)]);
    const answer = await place(partner, body);
    const [[first], [second]] = serialsOf(answer) as [[string], [string]];

    expect(answer).toEqual({
      partnerOrderNumber: body.partnerOrderNumber,
      orderNumber: expect.any(Number),
      orderLines: [line(DEMO.pooledSerial, {
        lineItems: [unit(first), unit(second)],
        files: [
          file('Installer (Windows and macOS)', 'install', sizeOf('nimbus-office-2026-setup.exe'), 'installer'),
          file('User guide', 'doc', sizeOf('nimbus-office-2026-guide.pdf'), 'documentation'),
        ],
        remark: 'Enter your product key when Nimbus Office asks for it at first start.',
      })],
      downloadManager: { pc: expect.stringMatching(METALINK_URL), mac: expect.stringMatching(METALINK_URL) },
      responseCode: 0,
      responseMessage: 'OK',
    });
    expect(first).not.toBe(second);
    expect(demoKeys.get(DEMO.pooledSerial)!.has(first) && demoKeys.get(DEMO.pooledSerial)!.has(second)).toBe(true);
    const urls = answer.orderLines[0]!.files.map((f) => f.url);
    expect(new Set(urls).size).toBe(urls.length);
    expect(answer.downloadManager!.mac).toBe(answer.downloadManager!.pc);
  });

  it('gives each unit all the serials it needs when a product takes two per unit', async () => {
    const partner = await t.given.partner();
    const answer = await place(partner, orderBody([orderLine(DEMO.twoSerialsPerUnit, 3)]));
    const units = serialsOf(answer);
    expect(units).toHaveLength(3);
    for (const serials of units) expect(serials).toHaveLength(2);
    const all = units.flat();
    expect(new Set(all).size).toBe(6);
    for (const key of all) expect(demoKeys.get(DEMO.twoSerialsPerUnit)!.has(key), key).toBe(true);
    expect(answer.orderLines[0]).toEqual(line(DEMO.twoSerialsPerUnit, {
      lineItems: units.map((serials) => unit(...serials)),
      files: [file('Forge Connect launcher', 'install', sizeOf('starfall-raiders-launcher.exe'), 'launcher')],
      remark: 'Key 1 activates Starfall Raiders, key 2 the Season Pass. Redeem both in the Forge Connect launcher.',
    }));
  });

  it('fills the activation remark of a serial-only product and answers no files and no download manager', async () => {
    const partner = await t.given.partner();
    const answer = await place(partner, orderBody([DEMO.activationRemark], { customer: { email: 'buyer@example.com' } }));
    const [[serial]] = serialsOf(answer) as [[string]];
    expect(answer.orderLines).toEqual([line(DEMO.activationRemark, {
      lineItems: [unit(serial)],
      remark: `Go to https://activate.pixelforge.example, sign in with order number ${answer.orderNumber} and the email address buyer@example.com, then enter your key.`,
    })]);
    expect(answer.downloadManager).toBeNull();
  });

  it('fills {orderNumber}, {partnerOrderNumber} and {email}, the line endUserEmail before the customer email', async () => {
    const partner = await t.given.partner();
    const ref = (await givenProduct(t.app.db, { serialSource: 'none', remark: 'Order {orderNumber} ({partnerOrderNumber}) for {email}; write to {email}.' })).ref;
    const body = orderBody([orderLine(ref, 1, { endUserEmail: 'gift@example.com' }), orderLine(ref, 1)], { customer: { email: 'payer@example.com' } });
    const answer = await place(partner, body);
    const pon = body.partnerOrderNumber as string;
    expect(answer.orderLines.map((l) => l.remark)).toEqual([
      `Order ${answer.orderNumber} (${pon}) for gift@example.com; write to gift@example.com.`,
      `Order ${answer.orderNumber} (${pon}) for payer@example.com; write to payer@example.com.`,
    ]);
    expect(answer.orderLines.map((l) => l.lineItems)).toEqual([[unit()], [unit()]]);
  });

  it('answers the digital-locker link, no files and no download manager for a locker product', async () => {
    const partner = await t.given.partner();
    const answer = await place(partner, orderBody([orderLine(DEMO.digitalLocker, 2)]));
    expect(answer.orderLines).toEqual([line(DEMO.digitalLocker, {
      lineItems: [unit(), unit()],
      digitalLockerLink: 'https://locker.blueheron.example/library',
      remark: 'Sign in at https://locker.blueheron.example with jane.doe@example.com to find your library.',
    })]);
    expect(answer.downloadManager).toBeNull();
  });

  it('answers every file of a download-only product with label, type, url, size and group', async () => {
    const partner = await t.given.partner();
    const answer = await place(partner, orderBody([DEMO.downloadOnly]));
    expect(answer.orderLines).toEqual([line(DEMO.downloadOnly, {
      lineItems: [unit()],
      files: [
        file('Installer for Windows', 'install', sizeOf('heron-photo-studio-win.exe'), 'windows'),
        file('Disk image for macOS', 'install', sizeOf('heron-photo-studio-mac.dmg'), 'macos'),
        file('Manual', 'doc', sizeOf('heron-photo-studio-manual.pdf'), 'documentation'),
      ],
    })]);
    expect(answer.downloadManager).toEqual({ pc: expect.stringMatching(METALINK_URL), mac: answer.downloadManager!.pc });
  });

  it('generates serials of a generated-serial product from its pattern, distinct per unit', async () => {
    const partner = await t.given.partner();
    const answer = await place(partner, orderBody([orderLine(DEMO.generatedSerial, 3)]));
    const serials = serialsOf(answer).flat();
    expect(serials).toHaveLength(3);
    for (const serial of serials) expect(serial).toMatch(/^DEMO-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    expect(new Set(serials).size).toBe(3);
    expect(answer.orderLines[0]!.files).toEqual([file('Installer', 'install', 4_718_592, '')]);
  });

  it('answers subscriptionId as null on every unit of a product that is not a subscription', async () => {
    const partner = await t.given.partner();
    const answer = await place(partner, orderBody([orderLine(DEMO.pooledSerial, 1), orderLine(DEMO.downloadOnly, 2), DEMO.generatedSerial]));
    const items = answer.orderLines.flatMap((l) => l.lineItems);
    expect(items).toHaveLength(4);
    for (const item of items) expect(item).toHaveProperty('subscriptionId', null);
  });
});

describe('createOrder: the download window', () => {
  it('ends 21 days after the UTC date the order was received, on every line, whatever orderDate says', async () => {
    const partner = await t.given.partner();
    t.clock.set('2026-06-15T23:30:00.000Z');
    const answer = await place(partner, orderBody([DEMO.downloadOnly, DEMO.digitalLocker, DEMO.generatedSerial], { orderDate: '2026-06-16T01:30:00+02:00' }));
    expect(answer.orderLines.map((l) => l.dateEndDownload)).toEqual([WINDOW_END, WINDOW_END, WINDOW_END]);
    const early = await place(partner, orderBody([DEMO.downloadOnly], { orderDate: '2026-01-01T00:00:00Z' }));
    expect(early.orderLines[0]!.dateEndDownload).toBe(WINDOW_END);
  });

  it('adds a download extension bought in the same order to every line, once per unit', async () => {
    const partner = await t.given.partner();
    const one = await place(partner, orderBody([DEMO.downloadOnly, DEMO.generatedSerial, DEMO.downloadExtension]));
    expect(one.orderLines.map((l) => l.dateEndDownload)).toEqual(['2027-07-06', '2027-07-06', '2027-07-06']);
    expect(one.orderLines[2]).toEqual(line(DEMO.downloadExtension, { lineItems: [unit()], dateEndDownload: '2027-07-06' }));
    const two = await place(partner, orderBody([DEMO.downloadOnly, orderLine(DEMO.downloadExtension, 2)]));
    expect(two.orderLines.map((l) => l.dateEndDownload)).toEqual(['2028-07-06', '2028-07-06']);
    const without = await place(partner, orderBody([DEMO.downloadOnly]));
    expect(without.orderLines[0]!.dateEndDownload).toBe(WINDOW_END);
  });
});

describe('createOrder: order numbers', () => {
  it('numbers orders with positive integers below 2^31, increasing and never twice', async () => {
    const partner = await t.given.partner();
    const other = await t.given.partner();
    const numbers: number[] = [];
    for (const as of [partner, other, partner, other, partner]) numbers.push((await place(as, orderBody([DEMO.digitalLocker]))).orderNumber!);
    for (const number of numbers) {
      expect(Number.isInteger(number)).toBe(true);
      // Eight digits like Nexway's: the sequence starts at 10,000,001 (docs/decisions.md).
      expect(number).toBeGreaterThanOrEqual(10_000_001);
      expect(number).toBeLessThanOrEqual(MAX_ID);
    }
    expect([...numbers].sort((a, b) => a - b)).toEqual(numbers);
    expect(new Set(numbers).size).toBe(numbers.length);
  });
});

describe('getOrderData', () => {
  it('answers 200 with exactly the createOrder answer', async () => {
    const partner = await t.given.partner();
    const body = orderBody(
      [orderLine(DEMO.pooledSerial, 2), DEMO.twoSerialsPerUnit, DEMO.activationRemark, DEMO.downloadOnly, DEMO.digitalLocker, DEMO.generatedSerial, DEMO.downloadExtension, DEMO.backupDvd],
      { customer: { locationDelivery: location({ address1: '2 avenue Foch' }) } },
    );
    const created = await place(partner, body);
    const res = await getOrderData(t.server, partner, body.partnerOrderNumber as string);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(created);
  });

  it('answers 1010, identically, for an unknown order and for another partner\'s order', async () => {
    const owner = await t.given.partner();
    const stranger = await t.given.partner();
    const pon = newPartnerOrderNumber('OWNED');
    await place(owner, orderBody([DEMO.digitalLocker], { partnerOrderNumber: pon }));
    const unknownPon = newPartnerOrderNumber('NEVER');

    const foreign = await getOrderData(t.server, stranger, pon);
    const unknown = await getOrderData(t.server, stranger, unknownPon);
    expect(foreign.statusCode).toBe(200);
    expect(unknown.statusCode).toBe(200);
    expect(unknown.json()).toEqual(refusedOrder(unknownPon, 1010));
    expect(foreign.json()).toEqual({ ...unknown.json(), partnerOrderNumber: pon });
  });
});

describe('createOrder: what it stores', () => {
  it('assigns each key of a pool exactly once across orders, then refuses with 1044', async () => {
    const partner = await t.given.partner();
    const ref = (await givenProduct(t.app.db, { serialsPerUnit: 1 })).ref;
    const keys = await givenKeys(t.app, ref, 6);
    const delivered: string[] = [];
    for (let i = 0; i < 3; i++) delivered.push(...serialsOf(await place(partner, orderBody([orderLine(ref, 2)]))).flat());
    expect([...delivered].sort()).toEqual([...keys].sort());

    const refused = orderBody([ref]);
    expect((await createOrder(t.server, partner, refused)).json()).toEqual(refusedOrder(refused.partnerOrderNumber as string, 1044));
    const rows = await t.app.db.selectFrom('serial_keys').select(['line_item_id', 'assigned_at']).where('product_ref', '=', ref).execute();
    expect(rows).toHaveLength(6);
    expect(rows.every((row) => row.line_item_id !== null && row.assigned_at === NOW)).toBe(true);
    expect(new Set(rows.map((row) => row.line_item_id)).size).toBe(6);
  });

  it('serves no key twice when orders race for the last keys of a pool', async () => {
    const partner = await t.given.partner();
    const ref = (await givenProduct(t.app.db)).ref;
    const keys = await givenKeys(t.app, ref, 5);
    const bodies = Array.from({ length: 8 }, () => orderBody([ref]));
    const answers = await Promise.all(bodies.map(async (body) => (await createOrder(t.server, partner, body)).json<Answer>()));
    const served = answers.filter((a) => a.responseCode === 0);
    expect(served).toHaveLength(5);
    expect(answers.filter((a) => a.responseCode === 1044)).toHaveLength(3);
    expect(served.flatMap((a) => serialsOf(a).flat()).sort()).toEqual([...keys].sort());
  });

  it('creates a to_ship shipment to the delivery address for a backup DVD and a download DVD', async () => {
    const partner = await t.given.partner();
    const delivery = location({ firstName: 'John', address1: '2 avenue Foch', zipCode: '75116', companyName: 'Doe SARL' });
    const answer = await place(partner, orderBody([DEMO.pooledSerial, orderLine(DEMO.backupDvd, 2), DEMO.downloadDvd], { customer: { locationDelivery: delivery } }));
    expect(answer.orderLines.slice(1)).toEqual([
      line(DEMO.backupDvd, { lineItems: [unit(), unit()] }),
      line(DEMO.downloadDvd, { lineItems: [unit()] }),
    ]);
    const shipments = await t.app.db.selectFrom('shipments').selectAll().where('order_number', '=', answer.orderNumber!).orderBy('product_ref').execute();
    expect(shipments.map(({ product_ref, quantity, status, tracking_number, shipped_at, created_at }) => ({ product_ref, quantity, status, tracking_number, shipped_at, created_at }))).toEqual([
      { product_ref: DEMO.backupDvd, quantity: 2, status: 'to_ship', tracking_number: null, shipped_at: null, created_at: NOW },
      { product_ref: DEMO.downloadDvd, quantity: 1, status: 'to_ship', tracking_number: null, shipped_at: null, created_at: NOW },
    ]);
    for (const shipment of shipments) expect(JSON.parse(shipment.address)).toMatchObject(delivery);
  });

  it('creates no shipment for an order without a disc', async () => {
    const partner = await t.given.partner();
    const answer = await place(partner, orderBody([DEMO.downloadOnly], { customer: { locationDelivery: location({ address1: '2 avenue Foch' }) } }));
    expect(await t.app.db.selectFrom('shipments').select('id').where('order_number', '=', answer.orderNumber!).execute()).toEqual([]);
  });

  it('records in the ledger the retailer price × quantity and what the end user paid (sent, else the POS sale price × quantity)', async () => {
    const partner = await t.given.partner();
    // The POS sells Blue Heron Photo Studio at 45.00 instead of the catalog's 49.99.
    await t.app.db.transaction().execute((tx) => t.app.partners.setPosPrice(tx, partner.posId, DEMO.downloadOnly, 4500, 'test'));
    const answer = await place(partner, orderBody([
      orderLine(DEMO.pooledSerial, 2, { vatRate: 20, amountDutyFree: 180, amountTotal: 216 }),
      orderLine(DEMO.downloadOnly, 3),
      orderLine(DEMO.digitalLocker, 1),
    ]));
    const entries = await t.app.db.selectFrom('ledger_entries').selectAll().where('order_number', '=', answer.orderNumber!).execute();
    expect(entries.map(({ id: _id, ...entry }) => entry)).toEqual([{
      partner_id: partner.partnerId,
      pos_id: partner.posId,
      order_number: answer.orderNumber,
      kind: 'order',
      currency: 'EUR',
      // Retailer prices: 69.00 × 2 + 35.00 × 3 + 12.00 × 1.
      retailer_minor: 6900 * 2 + 3500 * 3 + 1200,
      // Sent 180.00; the POS price 45.00 × 3; the catalog sale price 17.99 × 1.
      end_user_minor: 18000 + 4500 * 3 + 1799,
      at: NOW,
    }]);
  });
});
