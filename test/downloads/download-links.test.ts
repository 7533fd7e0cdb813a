import { sql } from 'kysely';
import { create } from 'xmlbuilder2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadDemoCatalog, loadDemoKeys } from '../../src/demo/load-demo.js';
import { metalinkUrl } from '../../src/domains/downloads/index.js';
import { HOUR } from '../support/clock.js';
import { DEMO_REFS } from '../support/orders.js';
import { givenProduct } from '../support/products.js';
import { startTestApp, type TestApp, type TestPartner } from '../support/test-app.js';
import { attachmentName, demoFile, expectNoFileBytes, fileInfo, pathOf, placeOrder, sha256, type PlacedOrder } from './download-helpers.js';

// `/dl/<token>` and `/dl/<token>/order.meta4` through HTTP in-process (rules.md §Downloads,
// connect-api.md §10 "Download window" and "Download counting").

const NOW = '2026-06-15T10:00:00.000Z';
const END_DAY = '2026-07-06';
const PHOTO = DEMO_REFS.downloadOnly; // Blue Heron Photo Studio: three local files
const ORIGIN = DEMO_REFS.generatedSerial; // Tidy Disk Cleaner: one file by origin URL
const ORIGIN_URL = 'https://cdn.blueheron.example/tidy-disk/tidy-disk-3.1-setup.exe';

let t: TestApp;
let partner: TestPartner;

beforeAll(async () => {
  t = await startTestApp({ now: NOW });
  await loadDemoCatalog(t.app);
  await loadDemoKeys(t.app);
  partner = await t.given.partner();
});
afterAll(() => t.close());
beforeEach(() => t.clock.set(NOW));

/** The Windows installer of a fresh Photo Studio order, with its demo bytes. */
async function photoInstaller(): Promise<{ order: PlacedOrder; url: string; path: string; bytes: Buffer }> {
  const order = await placeOrder(t.server, partner, [PHOTO]);
  const file = order.lines[0]!.files[0]!;
  expect(file.label).toBe('Installer for Windows');
  return { order, url: file.url, path: pathOf(file.url), bytes: demoFile('heron-photo-studio-win.exe') };
}

/** The path of an order's Metalink link (createOrder shows it only for products sold with a download manager). */
function metalinkPath(orderNumber: number): string {
  return pathOf(metalinkUrl(t.app.config.publicUrl, t.app.keyring, orderNumber));
}

async function counts(order: PlacedOrder, url: string) {
  await t.app.downloads.settled();
  const file = await fileInfo(t.server, partner, order.partnerOrderNumber, url);
  return { starts: file.countStartDownload, completions: file.countCompleteDownload, first: file.dateFirstDownload, last: file.dateLastDownload };
}

describe('GET /dl/<token> of a local file', () => {
  it('streams the file byte for byte with its headers, and counts a start and a completion', async () => {
    const { order, url, path, bytes } = await photoInstaller();
    const res = await t.server.inject({ method: 'GET', url: path });
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(bytes)).toBe(true);
    expect(res.headers['content-length']).toBe(String(bytes.length));
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers['content-disposition']).toBe('attachment; filename="heron-photo-studio-win.exe"');
    expect(res.headers.etag).toBe(`"${sha256(bytes)}"`);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(await counts(order, url)).toEqual({ starts: 1, completions: 1, first: '2026-06-15T10:00:00Z', last: '2026-06-15T10:00:00Z' });
  });

  it('serves every file of the order under its own name', async () => {
    const order = await placeOrder(t.server, partner, [PHOTO]);
    const names: string[] = [];
    for (const file of order.lines[0]!.files) {
      const res = await t.server.inject({ method: 'GET', url: pathOf(file.url) });
      expect(res.statusCode).toBe(200);
      names.push(attachmentName(res));
      expect(res.rawPayload.equals(demoFile(attachmentName(res)))).toBe(true);
      expect(file.size).toBe(res.rawPayload.length);
    }
    expect(names).toEqual(['heron-photo-studio-win.exe', 'heron-photo-studio-mac.dmg', 'heron-photo-studio-manual.pdf']);
  });

  it('answers Range 0-99 with 206 and the first 100 bytes, counted as a start without completion', async () => {
    const { order, url, path, bytes } = await photoInstaller();
    const res = await t.server.inject({ method: 'GET', url: path, headers: { range: 'bytes=0-99' } });
    expect(res.statusCode).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes 0-99/${bytes.length}`);
    expect(res.headers['content-length']).toBe('100');
    expect(res.rawPayload.equals(bytes.subarray(0, 100))).toBe(true);
    expect(await counts(order, url)).toMatchObject({ starts: 1, completions: 0 });
  });

  it('counts a completion, and no start, for a Range ending at the last byte', async () => {
    const { order, url, path, bytes } = await photoInstaller();
    const tail = await t.server.inject({ method: 'GET', url: path, headers: { range: 'bytes=100-' } });
    expect(tail.statusCode).toBe(206);
    expect(tail.headers['content-range']).toBe(`bytes 100-${bytes.length - 1}/${bytes.length}`);
    expect(tail.rawPayload.equals(bytes.subarray(100))).toBe(true);
    expect(await counts(order, url)).toEqual({ starts: 0, completions: 1, first: null, last: null });

    const explicit = await t.server.inject({ method: 'GET', url: path, headers: { range: `bytes=200-${bytes.length - 1}` } });
    expect(explicit.statusCode).toBe(206);
    expect(explicit.rawPayload.equals(bytes.subarray(200))).toBe(true);
    const suffix = await t.server.inject({ method: 'GET', url: path, headers: { range: 'bytes=-10' } });
    expect(suffix.statusCode).toBe(206);
    expect(suffix.headers['content-range']).toBe(`bytes ${bytes.length - 10}-${bytes.length - 1}/${bytes.length}`);
    expect(suffix.rawPayload.equals(bytes.subarray(bytes.length - 10))).toBe(true);
    expect(await counts(order, url)).toMatchObject({ starts: 0, completions: 3 });
  });

  it('counts a start and a completion for one Range covering the whole file', async () => {
    const { order, url, path, bytes } = await photoInstaller();
    const res = await t.server.inject({ method: 'GET', url: path, headers: { range: 'bytes=0-' } });
    expect(res.statusCode).toBe(206);
    expect(res.rawPayload.equals(bytes)).toBe(true);
    expect(await counts(order, url)).toMatchObject({ starts: 1, completions: 1 });
  });

  it('answers 416 with the size for a range past the end, counting nothing', async () => {
    const { order, url, path, bytes } = await photoInstaller();
    for (const range of [`bytes=${bytes.length}-`, `bytes=${bytes.length + 500}-${bytes.length + 900}`, 'bytes=-0', 'bytes=99999999999999999999999-']) {
      const res = await t.server.inject({ method: 'GET', url: path, headers: { range } });
      expect(res.statusCode, range).toBe(416);
      expect(res.headers['content-range']).toBe(`bytes */${bytes.length}`);
      expect(res.rawPayload.includes(bytes.subarray(0, 16))).toBe(false);
    }
    expect(await counts(order, url)).toMatchObject({ starts: 0, completions: 0 });
  });

  it('sends the whole file for a header it ignores: several ranges, another unit, a malformed range, an If-Range of another version', async () => {
    const { order, url, path, bytes } = await photoInstaller();
    const ignored = [
      { range: 'bytes=0-9,20-29' }, { range: 'items=0-9' }, { range: 'bytes=50-10' }, { range: 'bytes=abc' },
      { range: 'bytes=0-9', 'if-range': '"another-version"' },
    ];
    for (const headers of ignored) {
      const res = await t.server.inject({ method: 'GET', url: path, headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(200);
      expect(res.rawPayload.equals(bytes)).toBe(true);
    }
    const matching = await t.server.inject({ method: 'GET', url: path, headers: { range: 'bytes=0-9', 'if-range': `"${sha256(bytes)}"` } });
    expect(matching.statusCode).toBe(206);
    expect(await counts(order, url)).toMatchObject({ starts: ignored.length + 1, completions: ignored.length });
  });

  it('answers HEAD with the headers of a GET and no body, counting nothing', async () => {
    const { order, url, path, bytes } = await photoInstaller();
    for (const headers of [{}, { range: 'bytes=0-99' }]) {
      const res = await t.server.inject({ method: 'HEAD', url: path, headers });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-length']).toBe(String(bytes.length));
      expect(res.headers['accept-ranges']).toBe('bytes');
      expect(res.headers.etag).toBe(`"${sha256(bytes)}"`);
      expect(res.rawPayload.length).toBe(0);
    }
    expect(await counts(order, url)).toEqual({ starts: 0, completions: 0, first: null, last: null });
  });

  it('loses no count when many downloads of one link run at once', async () => {
    const { order, url, path, bytes } = await photoInstaller();
    const answers = await Promise.all(Array.from({ length: 20 }, () => t.server.inject({ method: 'GET', url: path })));
    for (const res of answers) expect(res.rawPayload.equals(bytes)).toBe(true);
    expect(await counts(order, url)).toMatchObject({ starts: 20, completions: 20 });
  });

  it('keeps the first download date and moves the last one with each counted start', async () => {
    const { order, url, path } = await photoInstaller();
    await t.server.inject({ method: 'GET', url: path });
    t.clock.advance(3 * HOUR);
    await t.server.inject({ method: 'GET', url: path, headers: { range: 'bytes=0-9' } });
    t.clock.advance(HOUR);
    await t.server.inject({ method: 'GET', url: path, headers: { range: 'bytes=10-' } });
    expect(await counts(order, url)).toEqual({ starts: 2, completions: 2, first: '2026-06-15T10:00:00Z', last: '2026-06-15T13:00:00Z' });
  });
});

describe('GET /dl/<token> of a file with an origin URL', () => {
  it('redirects to the origin with 302 and counts a start only', async () => {
    const order = await placeOrder(t.server, partner, [ORIGIN]);
    const url = order.lines[0]!.files[0]!.url;
    const res = await t.server.inject({ method: 'GET', url: pathOf(url) });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(ORIGIN_URL);
    expect(await counts(order, url)).toEqual({ starts: 1, completions: 0, first: '2026-06-15T10:00:00Z', last: '2026-06-15T10:00:00Z' });
  });

  it('counts nothing for HEAD or a Range that does not start at byte 0', async () => {
    const order = await placeOrder(t.server, partner, [ORIGIN]);
    const url = order.lines[0]!.files[0]!.url;
    const head = await t.server.inject({ method: 'HEAD', url: pathOf(url) });
    expect(head.statusCode).toBe(302);
    expect(head.headers.location).toBe(ORIGIN_URL);
    const resumed = await t.server.inject({ method: 'GET', url: pathOf(url), headers: { range: 'bytes=1000-' } });
    expect(resumed.statusCode).toBe(302);
    expect(await counts(order, url)).toMatchObject({ starts: 0, completions: 0 });
  });
});

describe('links that serve nothing', () => {
  it('answers 404 with a short page and no file byte for a forged, altered or garbage token', async () => {
    const { order, url, path, bytes } = await photoInstaller();
    const token = path.slice('/dl/'.length);
    const [payload, signature] = token.split('.') as [string, string];
    const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
    const otherGrant = `f${Number(payload.slice(1)) + 1}`;
    const forged = [
      `/dl/${payload}.${flipped}`, // changed signature
      `/dl/${otherGrant}.${signature}`, // changed id, signature of another grant
      `/dl/m${order.orderNumber}.${signature}`, // a metalink target with a file's signature
      `/dl/${payload}`, '/dl/garbage', `/dl/${'x'.repeat(300)}`, '/dl/', `/dl/${token}x`, `/dl/${token}/other`,
      `/dl/${encodeURIComponent('../../etc/passwd')}`,
    ];
    for (const forgedPath of forged) {
      for (const method of ['GET', 'HEAD'] as const) {
        const res = await t.server.inject({ method, url: forgedPath, headers: { range: 'bytes=0-' } });
        expect(res.statusCode, `${method} ${forgedPath}`).toBe(404);
        if (method === 'GET') {
          expectNoFileBytes(res, bytes);
          expect(res.body).toContain('not valid');
        }
      }
    }
    // A file token asked for as a Metalink, and the order's Metalink token asked for as a file.
    expect((await t.server.inject({ method: 'GET', url: `${path}/order.meta4` })).statusCode).toBe(404);
    expect((await t.server.inject({ method: 'GET', url: metalinkPath(order.orderNumber).replace('/order.meta4', '') })).statusCode).toBe(404);
    expect(await counts(order, url)).toMatchObject({ starts: 0, completions: 0 });
  });

  it('writes no link token to the logs, whatever the answer', async () => {
    const { path } = await photoInstaller();
    const before = t.logs.length;
    await t.server.inject({ method: 'GET', url: path });
    await t.server.inject({ method: 'GET', url: `${path}x` });
    t.clock.set('2026-07-07T00:00:00.000Z');
    await t.server.inject({ method: 'GET', url: path });
    const token = path.slice('/dl/'.length);
    expect(t.logs.slice(before).filter((line) => line.includes(token.split('.')[1]!))).toEqual([]);
  });

  it('serves the file until 23:59:59 UTC of the end day, then answers 410 saying when the link expired', async () => {
    const { order, url, path, bytes } = await photoInstaller();
    t.clock.set(`${END_DAY}T23:59:59.999Z`);
    expect((await t.server.inject({ method: 'GET', url: path })).rawPayload.equals(bytes)).toBe(true);
    t.clock.set('2026-07-07T00:00:00.000Z');
    for (const range of [undefined, 'bytes=0-99']) {
      const res = await t.server.inject({ method: 'GET', url: path, headers: range ? { range } : {} });
      expect(res.statusCode).toBe(410);
      expectNoFileBytes(res, bytes);
      expect(res.body).toContain(`expired on ${END_DAY}`);
    }
    expect((await t.server.inject({ method: 'HEAD', url: path })).statusCode).toBe(410);
    t.clock.set(NOW);
    expect(await counts(order, url)).toMatchObject({ starts: 1, completions: 1 });
  });

  it('answers 410 saying the order was cancelled, at once, for files, redirects and the Metalink', async () => {
    const order = await placeOrder(t.server, partner, [PHOTO, ORIGIN]);
    const local = order.lines[0]!.files[0]!;
    const origin = order.lines[1]!.files[0]!;
    expect((await t.server.inject({ method: 'GET', url: pathOf(local.url), headers: { range: 'bytes=0-9' } })).statusCode).toBe(206);
    await t.app.db.updateTable('orders').set({ status: 'cancelled', cancelled_at: t.clock.now().toISOString() })
      .where('order_number', '=', order.orderNumber).execute();
    const bytes = demoFile('heron-photo-studio-win.exe');
    for (const target of [local.url, origin.url, order.downloadManager!]) {
      const res = await t.server.inject({ method: 'GET', url: pathOf(target) });
      expect(res.statusCode, target).toBe(410);
      expectNoFileBytes(res, bytes);
      expect(res.headers.location).toBeUndefined();
      expect(res.body).toContain('cancelled');
    }
    expect(await counts(order, local.url)).toMatchObject({ starts: 1, completions: 0 });
    expect(await counts(order, origin.url)).toMatchObject({ starts: 0, completions: 0 });
  });
});

describe('GET /dl/<token>/order.meta4', () => {
  type MetalinkEntry = { name: string; size: number; hash: string | null; hashType: string | null; url: string };

  /** The part of the DOM a namespace-aware reading needs (xmlbuilder2 parses into a DOM). */
  type XmlElement = {
    namespaceURI: string | null;
    textContent: string | null;
    getAttribute(name: string): string | null;
    getElementsByTagNameNS(namespace: string, name: string): { length: number; item(index: number): XmlElement | null };
  };

  /** Reads a Metalink 4 document as a namespace-aware XML parser does. */
  function readMetalink(xml: string): { namespace: string | null; files: MetalinkEntry[] } {
    const root = create(xml).root().node as unknown as XmlElement;
    const ns = 'urn:ietf:params:xml:ns:metalink';
    const all = (parent: XmlElement, name: string) => {
      const list = parent.getElementsByTagNameNS(ns, name);
      return Array.from({ length: list.length }, (_, i) => list.item(i)!);
    };
    const files = all(root, 'file').map((file) => {
      const hash = all(file, 'hash')[0];
      return {
        name: file.getAttribute('name')!,
        size: Number(all(file, 'size')[0]!.textContent),
        hash: hash?.textContent ?? null,
        hashType: hash?.getAttribute('type') ?? null,
        url: all(file, 'url')[0]!.textContent!,
      };
    });
    return { namespace: root.namespaceURI, files };
  }

  it('lists every file of the order with its size, SHA-256 and working link', async () => {
    const order = await placeOrder(t.server, partner, [DEMO_REFS.pooledSerial, PHOTO, ORIGIN, DEMO_REFS.activationRemark]);
    expect(order.downloadManager).toMatch(/\/dl\/m\d+\.[A-Za-z0-9_-]{43}\/order\.meta4$/);
    const res = await t.server.inject({ method: 'GET', url: pathOf(order.downloadManager!) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/metalink4+xml');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="order-${order.orderNumber}.meta4"`);
    const metalink = readMetalink(res.body);
    expect(metalink.namespace).toBe('urn:ietf:params:xml:ns:metalink');
    const orderFiles = order.lines.flatMap((l) => l.files);
    expect(metalink.files.map((f) => f.url)).toEqual(orderFiles.map((f) => f.url));
    expect(metalink.files.map((f) => f.name)).toEqual([
      'nimbus-office-2026-setup.exe', 'nimbus-office-2026-guide.pdf',
      'heron-photo-studio-win.exe', 'heron-photo-studio-mac.dmg', 'heron-photo-studio-manual.pdf',
      'tidy-disk-3.1-setup.exe',
    ]);
    for (const entry of metalink.files.slice(0, 5)) {
      const bytes = demoFile(entry.name);
      expect(entry).toMatchObject({ size: bytes.length, hash: sha256(bytes), hashType: 'sha-256' });
      const download = await t.server.inject({ method: 'GET', url: pathOf(entry.url) });
      expect(download.rawPayload.equals(bytes)).toBe(true);
    }
    expect(metalink.files[5]).toMatchObject({ size: 4718592, hash: null });
    // HEAD answers the same headers without counting anything.
    const head = await t.server.inject({ method: 'HEAD', url: pathOf(order.downloadManager!) });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-type']).toBe('application/metalink4+xml');
  });

  it('lists a file shared by two lines once and gives different files of the same name unique names', async () => {
    const shared = await placeOrder(t.server, partner, [DEMO_REFS.pooledSerial, DEMO_REFS.pooledSerialEurOnly, DEMO_REFS.pooledSerial]);
    const sharedDoc = readMetalink((await t.server.inject({ method: 'GET', url: pathOf(shared.downloadManager!) })).body);
    expect(sharedDoc.files.map((f) => f.name)).toEqual(['nimbus-office-2026-setup.exe', 'nimbus-office-2026-guide.pdf']);

    await givenProduct(t.app.db, {
      ref: 880001, serialSource: 'none', downloadManager: true,
      files: [
        { label: 'Setup A', storePath: `${'a'.repeat(64)}/setup.exe`, sizeBytes: 10, sha256: 'a'.repeat(64) },
        { label: 'Setup B', storePath: `${'b'.repeat(64)}/setup.exe`, sizeBytes: 20, sha256: 'b'.repeat(64) },
        { label: 'Setup C', storePath: `${'c'.repeat(64)}/SETUP.exe`, sizeBytes: 30, sha256: 'c'.repeat(64) },
        { label: 'Setup D', storePath: `${'d'.repeat(64)}/setup-2.exe`, sizeBytes: 40, sha256: 'd'.repeat(64) },
      ],
    });
    const clash = await placeOrder(t.server, partner, [880001]);
    const clashDoc = readMetalink((await t.server.inject({ method: 'GET', url: pathOf(clash.downloadManager!) })).body);
    expect(clashDoc.files.map((f) => [f.name, f.size])).toEqual([['setup.exe', 10], ['setup-3.exe', 20], ['SETUP-4.exe', 30], ['setup-2.exe', 40]]);
  });

  it('answers 404 for a forged Metalink token and 410 once the window has ended', async () => {
    const order = await placeOrder(t.server, partner, [PHOTO]);
    const path = metalinkPath(order.orderNumber);
    expect((await t.server.inject({ method: 'GET', url: path })).statusCode).toBe(200);
    const forged = path.replace(/\.([A-Za-z0-9_-])/, (_m, c: string) => `.${c === 'A' ? 'B' : 'A'}`);
    const res = await t.server.inject({ method: 'GET', url: forged });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    t.clock.set('2026-07-07T00:00:00.000Z');
    const expired = await t.server.inject({ method: 'GET', url: path });
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain(`expired on ${END_DAY}`);
  });

  it('answers 404 for the Metalink of an order without files', async () => {
    const order = await placeOrder(t.server, partner, [DEMO_REFS.activationRemark]);
    expect(order.downloadManager).toBeNull();
    const row = await t.app.db.selectFrom('download_grants').select(sql<number>`count(*)`.as('n')).where('order_number', '=', order.orderNumber).executeTakeFirstOrThrow();
    expect(Number(row.n)).toBe(0);
    const res = await t.server.inject({ method: 'GET', url: metalinkPath(order.orderNumber) });
    expect(res.statusCode).toBe(404);
  });
});
