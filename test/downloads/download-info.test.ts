import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadDemoCatalog, loadDemoKeys } from '../../src/demo/load-demo.js';
import { DAY, HOUR } from '../support/clock.js';
import { DEMO_REFS } from '../support/orders.js';
import { startTestApp, type TestApp, type TestPartner } from '../support/test-app.js';
import { getDownloadInfo, pathOf, placeOrder } from './download-helpers.js';

// GET /connect/order/{partnerOrderNumber}/download (getDownloadInfo, connect-api.md §6 and §10).

const NOW = '2026-06-15T10:00:00.000Z';

let t: TestApp;
let partner: TestPartner;
let other: TestPartner;

beforeAll(async () => {
  t = await startTestApp({ now: NOW });
  await loadDemoCatalog(t.app);
  await loadDemoKeys(t.app);
  partner = await t.given.partner();
  other = await t.given.partner();
});
afterAll(() => t.close());
beforeEach(() => t.clock.set(NOW));

const fresh = { dateFirstDownload: null, dateLastDownload: null, countStartDownload: 0, countCompleteDownload: 0 };

describe('getDownloadInfo', () => {
  it('lists every line with its files, direct links and zero counts; a line without files has files []', async () => {
    const order = await placeOrder(t.server, partner, [DEMO_REFS.downloadOnly, DEMO_REFS.activationRemark, DEMO_REFS.generatedSerial]);
    const res = await getDownloadInfo(t.server, partner, order.partnerOrderNumber);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      partnerOrderNumber: order.partnerOrderNumber,
      downloadEndDate: '2026-07-06',
      orderLines: [
        { productRef: DEMO_REFS.downloadOnly, files: order.lines[0]!.files.map((f) => ({ ...f, ...fresh })) },
        { productRef: DEMO_REFS.activationRemark, files: [] },
        { productRef: DEMO_REFS.generatedSerial, files: [{ ...order.lines[2]!.files[0]!, ...fresh }] },
      ],
      responseCode: 0,
      responseMessage: 'OK',
    });
    expect(order.lines[0]!.files.map((f) => f.label)).toEqual(['Installer for Windows', 'Disk image for macOS', 'Manual']);
    expect(order.lines[2]!.files[0]!.url).toMatch(/^http:\/\/resell\.test\/dl\/f\d+\.[A-Za-z0-9_-]{43}$/);
  });

  it('shows the counts and the first and last download dates of each file', async () => {
    const order = await placeOrder(t.server, partner, [DEMO_REFS.downloadOnly, DEMO_REFS.generatedSerial]);
    const [win, mac] = order.lines[0]!.files;
    const origin = order.lines[1]!.files[0]!;
    await t.server.inject({ method: 'GET', url: pathOf(win!.url) });
    t.clock.advance(DAY + 2 * HOUR);
    await t.server.inject({ method: 'GET', url: pathOf(win!.url), headers: { range: 'bytes=0-499' } });
    await t.server.inject({ method: 'GET', url: pathOf(origin.url) });
    await t.server.inject({ method: 'HEAD', url: pathOf(mac!.url) });
    await t.app.downloads.settled();

    const body = (await getDownloadInfo(t.server, partner, order.partnerOrderNumber)).json();
    const [winInfo, macInfo, manualInfo] = body.orderLines[0].files;
    expect(winInfo).toMatchObject({ dateFirstDownload: '2026-06-15T10:00:00Z', dateLastDownload: '2026-06-16T12:00:00Z', countStartDownload: 2, countCompleteDownload: 1 });
    expect(macInfo).toMatchObject(fresh);
    expect(manualInfo).toMatchObject(fresh);
    expect(body.orderLines[1].files[0]).toMatchObject({ dateFirstDownload: '2026-06-16T12:00:00Z', dateLastDownload: '2026-06-16T12:00:00Z', countStartDownload: 1, countCompleteDownload: 0 });
  });

  it('still lists the files with their counts after cancellation, ending on the cancellation date', async () => {
    const order = await placeOrder(t.server, partner, [DEMO_REFS.downloadOnly]);
    const win = order.lines[0]!.files[0]!;
    await t.server.inject({ method: 'GET', url: pathOf(win.url) });
    t.clock.advance(3 * DAY);
    // cancelOrder is not ours: the order is cancelled as it would leave it.
    await t.app.db.updateTable('orders').set({ status: 'cancelled', cancelled_at: t.clock.now().toISOString() })
      .where('order_number', '=', order.orderNumber).execute();
    expect((await t.server.inject({ method: 'GET', url: pathOf(win.url) })).statusCode).toBe(410);
    await t.app.downloads.settled();

    const body = (await getDownloadInfo(t.server, partner, order.partnerOrderNumber)).json();
    expect(body.responseCode).toBe(0);
    expect(body.downloadEndDate).toBe('2026-06-18');
    expect(body.orderLines[0].files).toHaveLength(3);
    expect(body.orderLines[0].files[0]).toMatchObject({ url: win.url, countStartDownload: 1, countCompleteDownload: 1, dateFirstDownload: '2026-06-15T10:00:00Z' });
  });

  it('answers 1010 alike for an unknown order and for another partner\'s order', async () => {
    const order = await placeOrder(t.server, partner, [DEMO_REFS.downloadOnly]);
    const foreign = await getDownloadInfo(t.server, other, order.partnerOrderNumber);
    const unknown = await getDownloadInfo(t.server, partner, `${order.partnerOrderNumber}-NOPE`);
    const refused = (partnerOrderNumber: string) => ({ partnerOrderNumber, downloadEndDate: null, orderLines: [], responseCode: 1010, responseMessage: 'order not found' });
    expect(foreign.statusCode).toBe(200);
    expect(unknown.statusCode).toBe(200);
    expect(foreign.json()).toEqual(refused(order.partnerOrderNumber));
    expect(unknown.json()).toEqual(refused(`${order.partnerOrderNumber}-NOPE`));
    // The same unknown number asked by both partners: the answers cannot be told apart.
    const otherUnknown = await getDownloadInfo(t.server, other, `${order.partnerOrderNumber}-NOPE`);
    expect(otherUnknown.body).toBe(unknown.body);
    expect(foreign.body).toBe(unknown.body.replace(`${order.partnerOrderNumber}-NOPE`, order.partnerOrderNumber));
    expect(Object.keys(foreign.headers).sort()).toEqual(Object.keys(unknown.headers).sort());
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await t.server.inject({ method: 'GET', url: '/connect/openapi.json' })).json() as { paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>> };
    const operation = doc.paths['/connect/order/{partnerOrderNumber}/download']?.get;
    expect(operation?.operationId).toBe('getDownloadInfo');
    expect(operation?.responses['200']).toBeDefined();
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/dl'))).toBe(false);
  });
});
