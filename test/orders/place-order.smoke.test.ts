import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadDemoCatalog, loadDemoKeys } from '../../src/demo/load-demo.js';
import { connectCall, startTestApp, type TestApp, type TestPartner } from '../support/test-app.js';

let t: TestApp;
let partner: TestPartner;

beforeAll(async () => {
  t = await startTestApp();
  await loadDemoCatalog(t.app);
  await loadDemoKeys(t.app);
  partner = await t.given.partner({ pos: { languages: ['fr', 'en'] } });
});
afterAll(() => t.close());

const order = (pon: string, lines: unknown[]) => ({
  partnerOrderNumber: pon, orderDate: '2026-06-15T12:00:00+02:00', currency: 'EUR', orderLines: lines,
  customer: { email: 'jane@example.com', language: 'fr_FR', locationInvoice: { lastName: 'Doe', firstName: 'Jane', address1: '1 rue de la Paix', city: 'Paris', country: 'FR' } },
});

it('creates an order with serials, files and a download manager, and reads it back', async () => {
  const res = await connectCall(t.server, partner, { method: 'POST', url: '/connect/order/new', body: order('PON-1', [{ productRef: 710001, quantity: 2 }, { productRef: 730001, quantity: 1 }]) });
  expect(res.statusCode).toBe(201);
  const body = res.json();
  expect(body.responseCode).toBe(0);
  expect(body.orderNumber).toBe(10000001);
  expect(body.orderLines[0].lineItems).toHaveLength(2);
  expect(body.orderLines[0].lineItems[0].serials).toHaveLength(1);
  expect(body.orderLines[0].dateEndDownload).toBe('2026-07-06');
  expect(body.orderLines[1].files.length).toBeGreaterThan(0);
  expect(body.downloadManager.pc).toMatch(/^http:\/\/resell\.test\/dl\/m10000001\./);
  const again = await connectCall(t.server, partner, { method: 'GET', url: '/connect/order/PON-1' });
  expect(again.statusCode).toBe(200);
  const { responseCode, ...rest } = again.json();
  expect(responseCode).toBe(0);
  expect({ ...rest, responseCode }).toEqual(body);
  const dup = await connectCall(t.server, partner, { method: 'POST', url: '/connect/order/new', body: order('PON-1', [{ productRef: 710001, quantity: 1 }]) });
  expect(dup.statusCode).toBe(201);
  expect(dup.json()).toEqual({ partnerOrderNumber: 'PON-1', orderNumber: 10000001, orderLines: [], downloadManager: null, responseCode: 1010, responseMessage: 'order already created' });
});
