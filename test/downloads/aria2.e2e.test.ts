import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoCatalog, loadDemoKeys } from '../../src/demo/load-demo.js';
import { DEMO_REFS } from '../support/orders.js';
import { givenProduct } from '../support/products.js';
import { startTestApp, type TestApp, type TestPartner } from '../support/test-app.js';
import { demoFile, fileInfo, placeOrder, type PlacedOrder } from './download-helpers.js';
import { freePort } from '../support/net.js';

// A real download manager against the real server over loopback: Debian's aria2c reads the order's
// Metalink 4 document, fetches every file through its /dl link and checks each SHA-256 itself.

const run = promisify(execFile);

/** aria2c's version line; throws (the test fails, never skips) when it is not installed. */
function aria2Version(): string {
  try {
    return execFileSync('aria2c', ['--version'], { encoding: 'utf8' }).split('\n')[0]!;
  } catch (error) {
    throw new Error(`aria2c is required by this test and was not found (${(error as Error).message}); install it with: apt-get install -y aria2 (.ci/run does)`);
  }
}


let t: TestApp;
let partner: TestPartner;
let baseUrl: string;
let workDir: string;

beforeAll(async () => {
  aria2Version();
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  t = await startTestApp({ env: { PUBLIC_URL: baseUrl } });
  await t.server.listen({ host: '127.0.0.1', port });
  await loadDemoCatalog(t.app);
  await loadDemoKeys(t.app);
  partner = await t.given.partner();
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'resell-aria2-'));
});
afterAll(async () => {
  await t?.close();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

/** Runs aria2c with `args` into a fresh folder and returns that folder; fails with aria2c's output when it fails. */
async function aria2(name: string, args: string[]): Promise<string> {
  const dir = path.join(workDir, name);
  fs.mkdirSync(dir);
  try {
    await run('aria2c', [
      '--no-conf', '--dir', dir, '--console-log-level=warn', '--summary-interval=0', '--download-result=full',
      '--max-tries=1', '--retry-wait=0', '--connect-timeout=10', '--timeout=20', ...args,
    ], { timeout: 60_000 });
  } catch (error) {
    const failed = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`aria2c failed: ${failed.message}\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`);
  }
  return dir;
}

/** Every file of `order` is in `dir` byte for byte, and counted once started and once completed. */
async function expectAllDownloaded(order: PlacedOrder, dir: string, names: string[]): Promise<void> {
  const saved = fs.readdirSync(dir).filter((name) => !name.endsWith('.meta4') && !name.endsWith('.aria2')).sort();
  expect(saved).toEqual([...names].sort());
  for (const name of names) expect(fs.readFileSync(path.join(dir, name)).equals(demoFile(name)), name).toBe(true);
  await t.app.downloads.settled();
  for (const file of order.lines.flatMap((l) => l.files)) {
    const info = await fileInfo(t.server, partner, order.partnerOrderNumber, file.url);
    expect(info, file.label).toMatchObject({ countStartDownload: 1, countCompleteDownload: 1 });
    expect(info.dateFirstDownload).not.toBeNull();
  }
}

const ORDER_REFS = [DEMO_REFS.pooledSerial, DEMO_REFS.downloadOnly];
const FILE_NAMES = [
  'nimbus-office-2026-setup.exe', 'nimbus-office-2026-guide.pdf',
  'heron-photo-studio-win.exe', 'heron-photo-studio-mac.dmg', 'heron-photo-studio-manual.pdf',
];

describe('aria2c with the order Metalink', () => {
  it('fetches every file of an order from the Metalink URL (aria2c <url> --follow-metalink=mem)', async () => {
    const order = await placeOrder(t.server, partner, ORDER_REFS);
    expect(order.downloadManager!.startsWith(`${baseUrl}/dl/`)).toBe(true);
    const dir = await aria2('from-url', ['--follow-metalink=mem', order.downloadManager!]);
    await expectAllDownloaded(order, dir, FILE_NAMES);
  });

  it('fetches every file of an order from a saved .meta4 file (aria2c --metalink-file)', async () => {
    const order = await placeOrder(t.server, partner, ORDER_REFS);
    const res = await fetch(order.downloadManager!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/metalink4+xml');
    const saved = path.join(workDir, `order-${order.orderNumber}.meta4`);
    fs.writeFileSync(saved, Buffer.from(await res.arrayBuffer()));
    const dir = await aria2('from-file', [`--metalink-file=${saved}`]);
    await expectAllDownloaded(order, dir, FILE_NAMES);
  });
});

describe('over a real connection', () => {
  it('counts a start but no completion when the client disconnects mid-stream', async () => {
    // Larger than what loopback socket buffers hold, so the client leaves while the server still writes.
    const bytes = randomBytes(64 * 1024 * 1024);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const storePath = `${sha256}/big-file.bin`;
    fs.mkdirSync(path.join(t.app.config.fileStoreDir, sha256), { recursive: true });
    fs.writeFileSync(path.join(t.app.config.fileStoreDir, storePath), bytes);
    await givenProduct(t.app.db, { ref: 880101, serialSource: 'none', files: [{ label: 'Big file', storePath, sizeBytes: bytes.length, sha256 }] });
    const order = await placeOrder(t.server, partner, [880101]);
    const url = order.lines[0]!.files[0]!.url;

    const firstChunk = await new Promise<number>((resolve, reject) => {
      const request = http.get(url, (response) => {
        response.once('data', (chunk: Buffer) => {
          request.destroy();
          resolve(chunk.length);
        });
        response.once('error', () => undefined);
      });
      request.once('error', (error) => (request.destroyed ? undefined : reject(error)));
    });
    expect(firstChunk).toBeGreaterThan(0);
    await t.app.downloads.settled();
    expect(await fileInfo(t.server, partner, order.partnerOrderNumber, url)).toMatchObject({ countStartDownload: 1, countCompleteDownload: 0 });

    // The same link read to its end counts the completion.
    const whole = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(whole.equals(bytes)).toBe(true);
    await t.app.downloads.settled();
    expect(await fileInfo(t.server, partner, order.partnerOrderNumber, url)).toMatchObject({ countStartDownload: 2, countCompleteDownload: 1 });
  });
});
