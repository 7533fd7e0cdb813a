// Full CSV feed (quality.md: 100,000 products, 1 language, 200-character short and 1,000-character long
// descriptions, 3 categories each: ≤ 3 s to last byte, peak RSS ≤ 250 MB). The catalog is generated as
// a catalog file and imported with `resell catalog import`; the feed is defined with `resell feed create
// --format csv --json` and fetched once, by a plain GET from another process. Peak RSS is the server
// process's VmHWM after the fetch (its high-water mark since start: the fetch is the only work it does).
// The CPU time the server (and PostgreSQL's processes) spent during the fetch is reported beside it.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createPartner, PUBLISHER } from '../lib/connect.mjs';
import { commandCpuMs, cpuMsOf, memoryOf } from '../lib/machine.mjs';
import { childEnv, MAIN, ROOT, runToEnd } from '../lib/processes.mjs';

const FIRST_REF = 1_000_001;
const LANGUAGE = 'fr'; // the language of a POS made by `partner create` (its default)
const CATEGORY_GROUPS = 10;
const SUBCATEGORIES = 10;
const FETCHER = path.join(ROOT, 'bench', 'lib', 'fetch-feed.mjs');

const WORDS = ['licence', 'logiciel', 'sécurité', 'bureautique', 'édition', 'famille', 'professionnel', 'mise', 'à', 'jour',
  'appareil', 'nuage', 'sauvegarde', 'photo', 'musique', 'jeu', 'stratégie', 'réseau', 'vidéo', 'outil', 'rapide', 'simple'];

/** Text of exactly `length` characters, varied per product (no two products share a description). */
export function text(length, seed) {
  let out = `#${seed} `;
  for (let i = seed; out.length < length; i = (i * 7 + 3) % 104_729) out += `${WORDS[i % WORDS.length]} `;
  return out.slice(0, length);
}

/** Writes the catalog file product by product (a 100,000-product file is ~150 MB). */
export function writeCatalog(file, products) {
  const fd = fs.openSync(file, 'w');
  try {
    const categories = Array.from({ length: CATEGORY_GROUPS }, (_, g) => ({
      id: 100 + g,
      labels: { [LANGUAGE]: `Catégorie ${g}` },
      subcategories: Array.from({ length: SUBCATEGORIES }, (_, s) => ({ id: 1000 + g * SUBCATEGORIES + s, labels: { [LANGUAGE]: `Sous-catégorie ${g}.${s}` } })),
    }));
    fs.writeSync(fd, `{"masterLanguage":"${LANGUAGE}","publishers":${JSON.stringify([PUBLISHER])},"categories":${JSON.stringify(categories)},"products":[\n`);
    const all = CATEGORY_GROUPS * SUBCATEGORIES;
    let batch = [];
    for (let i = 0; i < products; i++) {
      const ref = FIRST_REF + i;
      batch.push(JSON.stringify({
        ref,
        publisherId: PUBLISHER.id,
        names: { [LANGUAGE]: `Produit de test ${ref}` },
        shortDescriptions: { [LANGUAGE]: text(200, i) },
        longDescriptions: { [LANGUAGE]: text(1000, i + 1) },
        categoryIds: [1000 + (i % all), 1000 + ((i + 37) % all), 1000 + ((i + 71) % all)],
        prices: [{ currency: 'EUR', retailer: 10, public: 25, sale: 19.99 }],
        delivery: { serialSource: 'none', serialsPerUnit: 0 },
      }));
      if (batch.length === 1000 || i === products - 1) {
        fs.writeSync(fd, batch.join(',\n') + (i === products - 1 ? '\n' : ',\n'));
        batch = [];
      }
    }
    fs.writeSync(fd, ']}\n');
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether this build of `resell` has the `feed` command. */
async function feedCommandExists() {
  const help = await runToEnd(process.execPath, [MAIN, '--help'], { env: childEnv(), timeoutMs: 60_000 });
  return /^\s+feed\b/m.test(help.stdout);
}

/**
 * Fetches a feed whose printed URL is `printedUrl` from `server` in a process of its own, and measures
 * what the server spent on it: `{ fetched (the fetcher's run), before (memory before), peakRssMb,
 * sampledPeakRssMb, serverCpuSeconds, databaseCpuSeconds (PostgreSQL's processes; null on SQLite) }`.
 */
export async function fetchMeasured(ctx, server, printedUrl, secret) {
  const printed = new URL(printedUrl.replace('{secret}', encodeURIComponent(secret)));
  const url = `${server.url}${printed.pathname}${printed.search}`;
  const before = memoryOf(server.pid);
  // CPU seconds spent on the fetch: a figure a shared, noisy machine disturbs less than the time.
  const databaseCpu = () => (ctx.engine === 'postgres' ? commandCpuMs('postgres') : 0);
  const cpuBefore = { server: cpuMsOf(server.pid), database: databaseCpu() };
  let sampledPeakMb = before?.rssMb ?? 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      sampledPeakMb = Math.max(sampledPeakMb, memoryOf(server.pid)?.rssMb ?? 0);
      await delay(20);
    }
  })();
  ctx.log('fetching the feed');
  const fetched = await runToEnd(process.execPath, [FETCHER, url], { env: childEnv(), timeoutMs: 600_000 }).finally(() => { sampling = false; });
  await sampler;
  const after = memoryOf(server.pid);
  return {
    fetched,
    before,
    peakRssMb: after?.peakRssMb ?? sampledPeakMb,
    sampledPeakRssMb: sampledPeakMb,
    serverCpuSeconds: (cpuMsOf(server.pid) - cpuBefore.server) / 1000,
    databaseCpuSeconds: ctx.engine === 'postgres' ? (databaseCpu() - cpuBefore.database) / 1000 : null,
  };
}

export default {
  name: 'feed',
  describe: 'GET /flow/getcatalog/v2.4/ full CSV feed (1 language, 200/1,000-character descriptions, 3 categories per product)',
  timeoutSeconds: (quick) => (quick ? 300 : 3600),
  async run(ctx) {
    if (!(await feedCommandExists())) return { skipped: 'feed create not available' };
    const products = ctx.quick ? 5_000 : 100_000;
    const shop = await ctx.openShop();
    const file = path.join(shop.dataDir, 'catalog.json');
    writeCatalog(file, products);
    ctx.log(`importing ${products.toLocaleString('en')} products (${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MB catalog file)`);
    const imported = await shop.resellJson(['catalog', 'import', file, '--json'], { timeoutMs: 3_000_000 });
    if (imported.json.inserted !== products) throw new Error(`catalog import inserted ${imported.json.inserted} of ${products}`);
    fs.rmSync(file, { force: true });
    const partner = await createPartner(shop);
    const { json: feed } = await shop.resellJson(['feed', 'create', '--partner', String(partner.partnerId), '--pos', String(partner.posId), '--format', 'csv', '--json']);
    if (typeof feed?.url !== 'string' || !feed.url.includes('{secret}')) throw new Error(`feed create printed no URL with {secret}: ${JSON.stringify(feed)}`);

    const server = await shop.startServer();
    const { fetched, before, peakRssMb, sampledPeakRssMb, serverCpuSeconds, databaseCpuSeconds } = await fetchMeasured(ctx, server, feed.url, partner.secret);
    if (fetched.code !== 0) throw new Error(`feed fetch failed: ${fetched.stderr}`);
    const result = JSON.parse(fetched.stdout);
    // Lines of the body (a last line without EOL counted), the header line excluded.
    const rows = result.bytes === 0 ? 0 : result.lines + (result.endsWithEol ? 0 : 1) - 1;
    const errors = (result.status === 200 ? 0 : 1) + (rows === products ? 0 : 1);
    return {
      unit: 'rows/s',
      throughput: rows / result.lastByteSeconds,
      ttfbSeconds: result.ttfbSeconds,
      firstBodySeconds: result.firstBodySeconds,
      lastByteSeconds: result.lastByteSeconds,
      bytes: result.bytes,
      mb: result.bytes / 2 ** 20,
      rows,
      products,
      status: result.status,
      contentType: result.contentType,
      rssBeforeMb: before?.rssMb ?? null,
      peakRssMb,
      sampledPeakRssMb,
      serverCpuSeconds,
      databaseCpuSeconds,
      errors,
      ...(errors > 0 && { sample: { head: result.head, lastLine: result.lastLine } }),
      setup: { importSeconds: imported.seconds },
    };
  },
};
