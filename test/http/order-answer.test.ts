import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadDemoCatalog } from '../../src/demo/load-demo.js';
import { DEMO_REFS as DEMO, createOrder, getOrderData, orderBody, orderLine } from '../support/orders.js';
import { givenKeys } from '../support/products.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// createOrder answers from what it just wrote (it does not read the order back); getOrderData reads it
// from the database. Both must show the same order, in every delivery case.

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  await loadDemoCatalog(t.app);
  for (const ref of [DEMO.pooledSerial, DEMO.twoSerialsPerUnit, DEMO.subscription]) await givenKeys(t.app, ref, 10);
});
afterAll(() => t.close());

it('answers createOrder exactly as getOrderData then shows the order: serials, files, subscriptions, Metalink, remarks', async () => {
  const partner = await t.given.partner();
  const body = orderBody([
    orderLine(DEMO.pooledSerial, 2),
    orderLine(DEMO.twoSerialsPerUnit, 2),
    orderLine(DEMO.activationRemark),
    orderLine(DEMO.downloadOnly),
    orderLine(DEMO.digitalLocker),
    orderLine(DEMO.subscription),
    orderLine(DEMO.generatedSubscription, 2),
    orderLine(DEMO.generatedSerial),
    orderLine(DEMO.downloadExtension),
  ]);
  await givenKeys(t.app, DEMO.activationRemark, 1);
  const created = await createOrder(t.server, partner, body);
  expect(created.statusCode).toBe(201);
  const answer = created.json() as Record<string, unknown>;
  expect(answer.responseCode).toBe(0);
  const read = await getOrderData(t.server, partner, body.partnerOrderNumber as string);
  expect(read.statusCode).toBe(200);
  const shared = (a: Record<string, unknown>) => ({ orderNumber: a.orderNumber, partnerOrderNumber: a.partnerOrderNumber, orderLines: a.orderLines, downloadManager: a.downloadManager });
  expect(shared(read.json() as Record<string, unknown>)).toEqual(shared(answer));
  expect(Object.values(shared(answer)).every((v) => v !== undefined && v !== null)).toBe(true);
  // The order shows something of every kind compared.
  const text = JSON.stringify(answer);
  for (const part of ['"serials"', '"subscriptionId"', '/dl/', 'meta4']) expect(text).toContain(part);
});
