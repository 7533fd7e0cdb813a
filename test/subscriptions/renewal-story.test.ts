import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadDemoCatalog, loadDemoKeys } from '../../src/demo/load-demo.js';
import { DAY } from '../support/clock.js';
import { connectCall, startTestApp, type TestApp, type TestPartner } from '../support/test-app.js';

// The polling story of the Nexway docs: order → status generation 0 → time passes → generation 1,
// currentPartnerOrderNumber PON-1, and getOrderData of PON-1 delivers the new term's serial.

let t: TestApp;
let partner: TestPartner;

beforeAll(async () => {
  t = await startTestApp({ now: '2026-01-31T10:00:00.000Z' });
  await loadDemoCatalog(t.app);
  await loadDemoKeys(t.app);
  partner = await t.given.partner({ pos: { languages: ['fr', 'en'] } });
});
afterAll(() => t.close());

const body = (pon: string, productRef: number, quantity = 1) => ({
  partnerOrderNumber: pon, orderDate: '2026-01-31T11:00:00+01:00', currency: 'EUR', orderLines: [{ productRef, quantity }],
  customer: { email: 'jane@example.com', language: 'fr_FR', locationInvoice: { lastName: 'Doe', firstName: 'Jane', address1: '1 rue de la Paix', city: 'Paris', country: 'FR' } },
});

it('renews at expiry exactly once per term and answers the new generation, order and serial', async () => {
  const created = (await connectCall(t.server, partner, { method: 'POST', url: '/connect/order/new', body: body('SUB-1', 740001) })).json();
  expect(created.responseCode).toBe(0);
  const subscriptionId = created.orderLines[0].lineItems[0].subscriptionId;
  expect(subscriptionId).toBeGreaterThanOrEqual(5000001);
  const firstSerial = created.orderLines[0].lineItems[0].serials[0].data;

  const status = async () => (await connectCall(t.server, partner, { method: 'POST', url: '/connect/subscription', body: { partnerOrderNumber: 'SUB-1', subscriptionId } })).json();
  const before = await status();
  expect(before).toMatchObject({ partnerOrderNumber: 'SUB-1', subscriptionId, productRef: 740001, period: 'P1Y', generation: 0, technicalStatus: 'ACTIVE', autoRenew: true,
    creation_datetime: '2026-01-31T10:00:00Z', expiration_datetime: '2027-01-31T10:00:00Z', next_status_change_datetime: '2027-01-31T10:00:00Z', currentPartnerOrderNumber: 'SUB-1', currency: 'EUR', code: 0, message: 'OK' });

  t.clock.set('2027-01-31T10:00:00.000Z');
  expect(await t.app.subscriptions.runDue(t.app.db)).toEqual({ renewed: 1, failed: 0, expired: 0 });
  expect(await t.app.subscriptions.runDue(t.app.db)).toEqual({ renewed: 0, failed: 0, expired: 0 });
  const after = await status();
  expect(after).toMatchObject({ generation: 1, technicalStatus: 'ACTIVE', expiration_datetime: '2028-01-31T10:00:00Z', currentPartnerOrderNumber: 'SUB-1-1' });

  const renewal = (await connectCall(t.server, partner, { method: 'GET', url: '/connect/order/SUB-1-1' })).json();
  expect(renewal.responseCode).toBe(0);
  expect(renewal.orderLines[0].lineItems[0].subscriptionId).toBe(subscriptionId);
  expect(renewal.orderLines[0].lineItems[0].serials[0].data).not.toBe(firstSerial);

  const early = (await connectCall(t.server, partner, { method: 'POST', url: '/connect/subscription/renew', body: { partnerOrderNumber: 'SUB-1', subscriptionId } })).json();
  expect(early.responseCode).toBe(1013);
  t.clock.advance(340 * DAY);
  const renewedNow = (await connectCall(t.server, partner, { method: 'PUT', url: '/connect/subscription/renew', body: { partnerOrderNumber: 'SUB-1', subscriptionId } })).json();
  expect(renewedNow).toMatchObject({ partnerOrderNumber: 'SUB-1-2', subscriptionId, generation: 2, expiration_datetime: '2029-01-31T10:00:00Z', responseCode: 0 });

  const cancelled = (await connectCall(t.server, partner, { method: 'PUT', url: '/connect/subscription', body: { partnerOrderNumber: 'SUB-1', subscriptionId } })).json();
  expect(cancelled).toEqual({ partnerOrderNumber: 'SUB-1', subscriptionId, orderNumber: created.orderNumber, responseCode: 0, responseMessage: 'OK' });
  const again = (await connectCall(t.server, partner, { method: 'POST', url: '/connect/subscription/renew', body: { partnerOrderNumber: 'SUB-1', subscriptionId } })).json();
  expect(again.responseCode).toBe(1011);
});
