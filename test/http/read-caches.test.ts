import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoCatalog } from '../../src/demo/load-demo.js';
import { DAY } from '../support/clock.js';
import { createOrder, DEMO_REFS, getOrderData, newPartnerOrderNumber, orderBody, orderLine, refusedOrder } from '../support/orders.js';
import { givenKeys, givenProduct } from '../support/products.js';
import { connectCall, startTestApp, type TestApp, type TestPartner } from '../support/test-app.js';

// getStockStatus and getOrderData answer from what was read since the last commit (issue 6: on SQLite
// the read connection tells when anything was committed). Whatever changes a stock status or an order
// must show at the very next call: orders, imports by another app on the same database, cancellations,
// and an order placed after its number was looked up in vain.

let t: TestApp;
let partner: TestPartner;

beforeAll(async () => {
  t = await startTestApp();
  await loadDemoCatalog(t.app);
  partner = await t.given.partner({ pos: { languages: ['fr', 'en'] } });
});
afterAll(() => t.close());

async function statusOf(ref: number): Promise<number | null> {
  const res = await connectCall(t.server, partner, { method: 'POST', url: '/connect/stock', body: { productRefs: [ref] } });
  expect(res.json()).toMatchObject({ responseCode: 0 });
  return (res.json() as { productStatus: { status: number | null }[] }).productStatus[0]!.status;
}

async function order(ref: number, quantity: number, partnerOrderNumber = newPartnerOrderNumber()): Promise<{ orderNumber: number }> {
  const res = await createOrder(t.server, partner, orderBody([orderLine(ref, quantity)], { partnerOrderNumber }));
  expect(res.json()).toMatchObject({ responseCode: 0 });
  return res.json();
}

describe('getStockStatus between commits', () => {
  it('moves at the next call as orders take keys: 100, then 200 at the low-stock threshold, then 300', async () => {
    const { ref } = await givenProduct(t.app.db, { lowStockThreshold: 10 });
    await givenKeys(t.app, ref, 12);
    expect([await statusOf(ref), await statusOf(ref)]).toEqual([100, 100]);
    await order(ref, 2);
    expect(await statusOf(ref)).toBe(200);
    await order(ref, 10);
    expect(await statusOf(ref)).toBe(300);
  });

  it('shows keys imported by another app on the same database at the next call', async () => {
    const { ref } = await givenProduct(t.app.db, { lowStockThreshold: 10 });
    expect(await statusOf(ref)).toBe(300);
    const other = t.otherApp();
    try {
      await givenKeys(other, ref, 20);
    } finally {
      await other.close();
    }
    expect(await statusOf(ref)).toBe(100);
  });
});

describe('getOrderData between commits', () => {
  it('finds an order placed after its number was looked up in vain', async () => {
    const number = newPartnerOrderNumber();
    expect((await getOrderData(t.server, partner, number)).json()).toMatchObject({ responseCode: 1010 });
    const placed = await order(DEMO_REFS.downloadOnly, 1, number);
    expect((await getOrderData(t.server, partner, number)).json()).toMatchObject({ orderNumber: placed.orderNumber, responseCode: 0 });
  });

  it('answers another partner asking for the same partnerOrderNumber 1010, while the buyer\'s answer with its opened serials is kept', async () => {
    // Both partners' credentials first: issuing a token commits, which would empty what is kept.
    const stranger = await t.given.partner();
    const number = newPartnerOrderNumber();
    const ref = (await givenProduct(t.app.db, { serialsPerUnit: 1 })).ref;
    const [key] = await givenKeys(t.app, ref, 1);
    await order(ref, 1, number);
    const [ownerHeaders, strangerHeaders] = [await partner.headers(), await stranger.headers()];
    const ask = (headers: Record<string, string>) => t.server.inject({ method: 'GET', url: `/connect/order/${number}`, headers });
    const owned = (await ask(ownerHeaders)).json() as { orderLines: { lineItems: { serials: { data: string }[] }[] }[] };
    expect(owned.orderLines[0]!.lineItems[0]!.serials.map((s) => s.data)).toEqual([key]);
    const foreign = await ask(strangerHeaders);
    expect(foreign.json()).toEqual(refusedOrder(number, 1010));
    expect(foreign.body).not.toContain(key!);
  });

  it('answers a cancelled order without files and with its new download end at the next call', async () => {
    const number = newPartnerOrderNumber();
    await order(DEMO_REFS.downloadOnly, 1, number);
    const before = (await getOrderData(t.server, partner, number)).json() as { orderLines: { files: unknown[]; dateEndDownload: string }[] };
    expect(before.orderLines[0]!.files).toHaveLength(3);
    t.clock.advance(2 * DAY);
    const cancelled = await connectCall(t.server, partner, { method: 'PUT', url: '/connect/order/cancel', body: { partnerOrderNumber: number, reasonCode: 2 } });
    expect(cancelled.json()).toMatchObject({ responseCode: 0 });
    const after = (await getOrderData(t.server, partner, number)).json() as typeof before;
    expect(after.orderLines[0]).toMatchObject({ files: [], dateEndDownload: '2026-06-17' });
  });
});
