import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadDemoCatalog, loadDemoKeys } from '../../src/demo/load-demo.js';
import { DEMO_REFS as DEMO, location, orderBody, orderLine, refusedOrder, type Json } from '../support/orders.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// The Nexway flow a partner's shop runs for every sale, over real HTTP against the demo catalog, one
// test per delivery case of the demo (product.md "First run"):
//   1. getStockStatus   the product page says whether it can be bought
//   2. getCrossUpSell   the cart proposes options, up-sells and cross-sells
//   3. (the partner takes the end user's payment on its own site: no call)
//   4. createOrder      after the payment
//   5. getOrderData     the "my orders" page reads the order back
// The shop holds only what `partner create` prints (realm, client secret, POS secret) and gets its
// access token from the token service, as a Nexway client does.

let t: TestApp;
let baseUrl: string;

beforeAll(async () => {
  t = await startTestApp();
  await loadDemoCatalog(t.app);
  await loadDemoKeys(t.app);
  await t.server.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(t.server.server.address() as AddressInfo).port}`;
});
afterAll(() => t.close());

type Offer = { ref: number; type: 'option' | 'up' | 'cross'; name: string; amountDutyFree: number; currency: string; mandatory: boolean };
type Unit = { serials: { data: string; encoding: string; charset: string; fileName: string }[]; subscriptionId: number | null };
type Line = {
  productRef: number; lineItems: Unit[]; files: { label: string; type: string; url: string; size: number; group: string }[];
  dateEndDownload: string; digitalLockerLink: string | null; remark: string | null; responseCode: number;
};
type Order = { partnerOrderNumber: string; orderNumber: number | null; orderLines: Line[]; downloadManager: { pc: string; mac: string } | null; responseCode: number };

/** A partner's shop: its credentials, a token from POST /iam/tokens, and the Connect calls it makes. */
async function openShop() {
  const partner = await t.given.partner({ pos: { currency: 'EUR', countries: ['FR'], languages: ['fr', 'en'] } });
  const tokenRes = await fetch(`${baseUrl}/iam/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ realmName: partner.realmName, clientSecret: partner.clientSecret, grantType: 'client_credentials' }),
  });
  expect(tokenRes.status).toBe(200);
  const { access_token: accessToken, token_type: tokenType } = await tokenRes.json() as { access_token: string; token_type: string };
  expect(tokenType).toBe('bearer');

  async function call<T>(method: string, path: string, expectedStatus: number, body?: unknown): Promise<T> {
    const res = await fetch(`${baseUrl}/connect${path}`, {
      method,
      headers: { authorization: `Bearer ${accessToken}`, secret: partner.posSecret, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    expect(res.status, `${method} ${path}`).toBe(expectedStatus);
    return await res.json() as T;
  }

  return {
    /** Step 1: stock status of each ref, as `{ref: status}`. */
    async stockStatus(...refs: number[]): Promise<Record<number, number | null>> {
      const answer = await call<{ productStatus: { productRef: number; status: number | null; responseCode: number }[]; responseCode: number }>('POST', '/stock', 200, { productRefs: refs });
      expect(answer.responseCode).toBe(0);
      expect(answer.productStatus.map((p) => [p.productRef, p.responseCode])).toEqual(refs.map((ref) => [ref, 0]));
      return Object.fromEntries(answer.productStatus.map((p) => [p.productRef, p.status]));
    },
    /** Step 2: what the cart proposes for a basket of one unit of each ref, texts in French. */
    async crossUpSell(...refs: number[]): Promise<Offer[]> {
      const answer = await call<{ productsReturn: Offer[]; responseCode: number }>('POST', '/order/crossupsell', 200, { language: 'fr', products: refs.map((productRef) => ({ productRef, quantity: 1 })) });
      expect(answer.responseCode).toBe(0);
      return answer.productsReturn;
    },
    /** Step 4: the order, always HTTP 201. */
    createOrder: (body: Json) => call<Order>('POST', '/order/new', 201, body),
    /** Step 5: the order read back. */
    orderData: (partnerOrderNumber: string) => call<Order>('GET', `/order/${encodeURIComponent(partnerOrderNumber)}`, 200),
  };
}

/** What the shop sends after the payment: the end user's order, payment reference and IP. */
function paidOrder(lines: (number | Json)[], extra: Json = {}): Json {
  return orderBody(lines, {
    payment: { paymentMethod: 'External Payment', transactionId: `PSP-${Math.random().toString(36).slice(2, 10)}` },
    customer: { email: 'jane.doe@example.com', language: 'fr_FR', ipV4: '203.0.113.7', ...(extra.customer as Json | undefined) },
    ...Object.fromEntries(Object.entries(extra).filter(([key]) => key !== 'customer')),
  });
}

const offersOf = (offers: Offer[]) => offers.map(({ ref, type, mandatory }) => ({ ref, type, mandatory }));
const serialsOf = (line: Line) => line.lineItems.map((unit) => unit.serials.map((serial) => serial.data));
const DOWNLOAD_URL = /^http:\/\/resell\.test\/dl\/\S+$/;
const METALINK_URL = /^http:\/\/resell\.test\/dl\/\S+\/order\.meta4$/;
/** Orders are received on 2026-06-15 (the tests' clock): links work 21 days. */
const WINDOW_END = '2026-07-06';

it('sells a pooled serial (Nimbus Office Home): one key of the pool per unit, the files and a download manager', async () => {
  const shop = await openShop();
  expect(await shop.stockStatus(DEMO.pooledSerial)).toEqual({ [DEMO.pooledSerial]: 100 });

  expect(offersOf(await shop.crossUpSell(DEMO.pooledSerial))).toEqual([
    { ref: DEMO.downloadExtension, type: 'option', mandatory: false },
    { ref: DEMO.backupDvd, type: 'option', mandatory: false },
    { ref: DEMO.downloadDvd, type: 'option', mandatory: true },
    { ref: DEMO.pooledSerialEurOnly, type: 'up', mandatory: false },
    { ref: DEMO.downloadOnly, type: 'cross', mandatory: false },
    { ref: DEMO.generatedSerial, type: 'cross', mandatory: false },
  ]);

  // The end user declines every offer and pays on the partner's site.
  const body = paidOrder([DEMO.pooledSerial]);
  const order = await shop.createOrder(body);
  expect(order.responseCode).toBe(0);
  const [line] = order.orderLines as [Line];
  expect(line.productRef).toBe(DEMO.pooledSerial);
  expect(serialsOf(line)).toEqual([[expect.stringMatching(/^NOH26-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}$/)]]);
  expect(line.files.map((f) => [f.label, f.type, f.group])).toEqual([['Installer (Windows and macOS)', 'install', 'installer'], ['User guide', 'doc', 'documentation']]);
  for (const f of line.files) expect(f.url).toMatch(DOWNLOAD_URL);
  expect(line.dateEndDownload).toBe(WINDOW_END);
  expect(line.remark).toBe('Enter your product key when Nimbus Office asks for it at first start.');
  expect(order.downloadManager).toEqual({ pc: expect.stringMatching(METALINK_URL), mac: expect.stringMatching(METALINK_URL) });

  expect(await shop.orderData(body.partnerOrderNumber as string)).toEqual(order);
});

it('sells a product with several serials per unit (Starfall Raiders + Season Pass): two keys for each copy', async () => {
  const shop = await openShop();
  expect(await shop.stockStatus(DEMO.twoSerialsPerUnit)).toEqual({ [DEMO.twoSerialsPerUnit]: 100 });
  expect(offersOf(await shop.crossUpSell(DEMO.twoSerialsPerUnit))).toEqual([{ ref: DEMO.preOrder, type: 'cross', mandatory: false }]);

  const body = paidOrder([orderLine(DEMO.twoSerialsPerUnit, 2)]);
  const order = await shop.createOrder(body);
  expect(order.responseCode).toBe(0);
  const [line] = order.orderLines as [Line];
  const units = serialsOf(line);
  expect(units).toEqual([
    [expect.stringMatching(/^SFR-/), expect.stringMatching(/^SFR-/)],
    [expect.stringMatching(/^SFR-/), expect.stringMatching(/^SFR-/)],
  ]);
  expect(new Set(units.flat()).size).toBe(4);
  expect(line.remark).toBe('Key 1 activates Starfall Raiders, key 2 the Season Pass. Redeem both in the Forge Connect launcher.');
  expect(line.files.map((f) => f.label)).toEqual(['Forge Connect launcher']);

  expect(await shop.orderData(body.partnerOrderNumber as string)).toEqual(order);
});

it('sells a serial-only product with an activation remark (Iron Meridian): order number and email filled in', async () => {
  const shop = await openShop();
  expect(await shop.stockStatus(DEMO.activationRemark)).toEqual({ [DEMO.activationRemark]: 100 });
  expect(await shop.crossUpSell(DEMO.activationRemark)).toEqual([]);

  const body = paidOrder([orderLine(DEMO.activationRemark, 1, { endUserEmail: 'player@example.com' })]);
  const order = await shop.createOrder(body);
  expect(order.responseCode).toBe(0);
  const [line] = order.orderLines as [Line];
  expect(serialsOf(line)).toEqual([[expect.stringMatching(/^IRM-/)]]);
  expect(line.files).toEqual([]);
  expect(line.remark).toBe(`Go to https://activate.pixelforge.example, sign in with order number ${order.orderNumber} and the email address player@example.com, then enter your key.`);
  expect(order.downloadManager).toBeNull();

  expect(await shop.orderData(body.partnerOrderNumber as string)).toEqual(order);
});

it('sells a download-only product (Blue Heron Photo Studio): no serial, every file, a download manager', async () => {
  const shop = await openShop();
  expect(await shop.stockStatus(DEMO.downloadOnly)).toEqual({ [DEMO.downloadOnly]: 100 });
  expect(offersOf(await shop.crossUpSell(DEMO.downloadOnly))).toEqual([
    { ref: DEMO.downloadExtension, type: 'option', mandatory: false },
    { ref: DEMO.backupDvd, type: 'option', mandatory: false },
    { ref: DEMO.digitalLocker, type: 'cross', mandatory: false },
  ]);

  const body = paidOrder([DEMO.downloadOnly]);
  const order = await shop.createOrder(body);
  expect(order.responseCode).toBe(0);
  const [line] = order.orderLines as [Line];
  expect(serialsOf(line)).toEqual([[]]);
  expect(line.files.map(({ label, type, group }) => ({ label, type, group }))).toEqual([
    { label: 'Installer for Windows', type: 'install', group: 'windows' },
    { label: 'Disk image for macOS', type: 'install', group: 'macos' },
    { label: 'Manual', type: 'doc', group: 'documentation' },
  ]);
  for (const f of line.files) {
    expect(f.url).toMatch(DOWNLOAD_URL);
    expect(f.size).toBeGreaterThan(0);
  }
  expect(line.dateEndDownload).toBe(WINDOW_END);
  expect(order.downloadManager).toEqual({ pc: expect.stringMatching(METALINK_URL), mac: expect.stringMatching(METALINK_URL) });

  expect(await shop.orderData(body.partnerOrderNumber as string)).toEqual(order);
});

it('sells a digital-locker product (Blue Heron Sound Library): the locker link, no files', async () => {
  const shop = await openShop();
  expect(await shop.stockStatus(DEMO.digitalLocker)).toEqual({ [DEMO.digitalLocker]: 100 });
  expect(await shop.crossUpSell(DEMO.digitalLocker)).toEqual([]);

  const body = paidOrder([DEMO.digitalLocker]);
  const order = await shop.createOrder(body);
  expect(order.responseCode).toBe(0);
  const [line] = order.orderLines as [Line];
  expect(serialsOf(line)).toEqual([[]]);
  expect(line.digitalLockerLink).toBe('https://locker.blueheron.example/library');
  expect(line.files).toEqual([]);
  expect(line.remark).toBe('Sign in at https://locker.blueheron.example with jane.doe@example.com to find your library.');
  expect(order.downloadManager).toBeNull();

  expect(await shop.orderData(body.partnerOrderNumber as string)).toEqual(order);
});

it('sells a subscription (Quietwave Shield Antivirus, yearly): a key of the pool and the installer', async () => {
  const shop = await openShop();
  expect(await shop.stockStatus(DEMO.subscription)).toEqual({ [DEMO.subscription]: 100 });
  expect(offersOf(await shop.crossUpSell(DEMO.subscription))).toEqual([{ ref: DEMO.generatedSubscription, type: 'cross', mandatory: false }]);

  const body = paidOrder([DEMO.subscription]);
  const order = await shop.createOrder(body);
  expect(order.responseCode).toBe(0);
  const [line] = order.orderLines as [Line];
  expect(serialsOf(line)).toEqual([[expect.stringMatching(/^QWS-/)]]);
  expect(line.files.map((f) => f.label)).toEqual(['Installer']);
  // Each unit carries its subscriptionId; it stays null until subscriptions exist (issue 4), so only
  // its presence is asserted here.
  expect(line.lineItems[0]).toHaveProperty('subscriptionId');

  expect(await shop.orderData(body.partnerOrderNumber as string)).toEqual(order);
});

it('sells a generated-serial product (Tidy Disk Cleaner): a new serial per unit from the product pattern', async () => {
  const shop = await openShop();
  expect(await shop.stockStatus(DEMO.generatedSerial)).toEqual({ [DEMO.generatedSerial]: 100 });
  expect(await shop.crossUpSell(DEMO.generatedSerial)).toEqual([]);

  const body = paidOrder([orderLine(DEMO.generatedSerial, 2)]);
  const order = await shop.createOrder(body);
  expect(order.responseCode).toBe(0);
  const [line] = order.orderLines as [Line];
  const serials = serialsOf(line);
  expect(serials).toEqual([[expect.stringMatching(/^DEMO-[A-Z0-9]{4}-[A-Z0-9]{4}$/)], [expect.stringMatching(/^DEMO-[A-Z0-9]{4}-[A-Z0-9]{4}$/)]]);
  expect(serials[0]).not.toEqual(serials[1]);
  expect(line.files.map((f) => ({ label: f.label, size: f.size }))).toEqual([{ label: 'Installer', size: 4_718_592 }]);

  expect(await shop.orderData(body.partnerOrderNumber as string)).toEqual(order);
});

it('sells options with their main product: the must-propose DVD shown as mandatory, shipped to the delivery address, and a download extension', async () => {
  const shop = await openShop();
  expect(await shop.stockStatus(DEMO.pooledSerial, DEMO.downloadExtension, DEMO.downloadDvd)).toEqual({
    [DEMO.pooledSerial]: 100, [DEMO.downloadExtension]: 100, [DEMO.downloadDvd]: 100,
  });

  const options = (await shop.crossUpSell(DEMO.pooledSerial)).filter((offer) => offer.type === 'option');
  expect(options.map(({ ref, mandatory }) => ({ ref, mandatory }))).toEqual([
    { ref: DEMO.downloadExtension, mandatory: false },
    { ref: DEMO.backupDvd, mandatory: false },
    { ref: DEMO.downloadDvd, mandatory: true },
  ]);
  // The cart must show the mandatory DVD; the end user takes it and the extension, then pays. A disc
  // needs a delivery address.
  expect(options.find((o) => o.ref === DEMO.downloadDvd)).toMatchObject({ amountDutyFree: 12.99, currency: 'EUR' });
  const body = paidOrder([DEMO.pooledSerial, DEMO.downloadDvd, DEMO.downloadExtension], {
    customer: { locationDelivery: location({ address1: '2 avenue Foch', zipCode: '75116' }) },
  });
  const order = await shop.createOrder(body);
  expect(order.responseCode).toBe(0);
  expect(order.orderLines.map((l) => l.productRef)).toEqual([DEMO.pooledSerial, DEMO.downloadDvd, DEMO.downloadExtension]);
  // The extension (P1Y) lengthens the window of every line of the order.
  expect(order.orderLines.map((l) => l.dateEndDownload)).toEqual(['2027-07-06', '2027-07-06', '2027-07-06']);
  const [main, dvd, extension] = order.orderLines as [Line, Line, Line];
  expect(serialsOf(main)).toEqual([[expect.stringMatching(/^NOH26-/)]]);
  expect(serialsOf(dvd)).toEqual([[]]);
  expect(dvd.files).toEqual([]);
  expect(serialsOf(extension)).toEqual([[]]);

  expect(await shop.orderData(body.partnerOrderNumber as string)).toEqual(order);
  const shipments = await t.app.db.selectFrom('shipments').select(['product_ref', 'status', 'address']).where('order_number', '=', order.orderNumber!).execute();
  expect(shipments.map((s) => ({ ref: s.product_ref, status: s.status, address1: (JSON.parse(s.address) as Json).address1 }))).toEqual([
    { ref: DEMO.downloadDvd, status: 'to_ship', address1: '2 avenue Foch' },
  ]);
});

it('refuses a pre-order (Starfall Raiders II) before its release date with 1051, and stores nothing', async () => {
  const shop = await openShop();
  // Pre-orders always show as in stock: the product page takes reservations.
  expect(await shop.stockStatus(DEMO.preOrder)).toEqual({ [DEMO.preOrder]: 100 });
  expect(offersOf(await shop.crossUpSell(DEMO.preOrder))).toEqual([{ ref: DEMO.twoSerialsPerUnit, type: 'up', mandatory: false }]);

  const body = paidOrder([DEMO.preOrder]);
  const pon = body.partnerOrderNumber as string;
  // The shop sent the order after the payment: on 1051 it must refund the end user.
  expect(await shop.createOrder(body)).toEqual(refusedOrder(pon, 1051));
  expect(await shop.orderData(pon)).toEqual(refusedOrder(pon, 1010));
});
