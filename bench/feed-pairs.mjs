#!/usr/bin/env node
// The full feed scenario's fetch, alternating builds over one imported catalog: how two versions of the
// feed are compared on a noisy machine without paying the 100,000-product import per run. Each
// round fetches once with every build (in reverse order every other round), each fetch through a new
// feed (`resell feed create`, so every one records its list's members as a first fetch does), and
// prints last byte, the server's CPU during the fetch (and PostgreSQL's), and its peak RSS.
// The builds must share this checkout's schema (its CLI imports the catalog and migrates).
//
//   node bench/feed-pairs.mjs /tmp/old .                       # SQLite, 3 rounds
//   node bench/feed-pairs.mjs --engine postgres --rounds 4 /tmp/old .

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createPartner } from './lib/connect.mjs';
import { DEFAULT_POSTGRES_URL } from './lib/database.mjs';
import { cleanupAll, installExitHandlers } from './lib/processes.mjs';
import { openShop } from './lib/shop.mjs';
import { fetchMeasured, writeCatalog } from './scenarios/feed.mjs';

const { values, positionals } = parseArgs({
  options: {
    engine: { type: 'string', default: 'sqlite' },
    rounds: { type: 'string', default: '3' },
    products: { type: 'string', default: '100000' },
    'database-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? DEFAULT_POSTGRES_URL },
  },
  allowPositionals: true,
});
const builds = (positionals.length > 0 ? positionals : ['.']).map((folder) => ({ folder, main: path.resolve(folder, 'dist', 'main.js') }));
for (const { main } of builds) if (!fs.existsSync(main)) throw new Error(`${main} is missing: build that checkout first`);
const products = Number(values.products);
const log = (line) => process.stderr.write(`${line}\n`);

installExitHandlers();
const ctx = { engine: values.engine, log: () => {} };
const shop = await openShop({ engine: values.engine, postgresUrl: values['database-url'] });
try {
  const file = path.join(shop.dataDir, 'catalog.json');
  writeCatalog(file, products);
  log(`importing ${products.toLocaleString('en')} products`);
  await shop.resellJson(['catalog', 'import', file, '--json'], { timeoutMs: 3_000_000 });
  fs.rmSync(file, { force: true });
  const partner = await createPartner(shop);
  const runs = new Map(builds.map(({ folder }) => [folder, []]));
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const build of round % 2 === 1 ? builds : [...builds].reverse()) {
      const { json: feed } = await shop.resellJson(['feed', 'create', '--partner', String(partner.partnerId), '--pos', String(partner.posId), '--format', 'csv', '--json']);
      const server = await shop.startServer({ main: build.main });
      try {
        const measured = await fetchMeasured(ctx, server, feed.url, partner.secret);
        if (measured.fetched.code !== 0) throw new Error(`feed fetch failed: ${measured.fetched.stderr}`);
        const run = { ...measured, lastByteSeconds: JSON.parse(measured.fetched.stdout).lastByteSeconds };
        runs.get(build.folder).push(run);
        log(`round ${round} ${build.folder}: last byte ${run.lastByteSeconds.toFixed(2)} s, server CPU ${run.serverCpuSeconds.toFixed(2)} s${run.databaseCpuSeconds === null ? '' : `, PostgreSQL ${run.databaseCpuSeconds.toFixed(2)} s`}, peak RSS ${run.peakRssMb.toFixed(0)} MB`);
      } finally {
        await server.stop();
      }
    }
  }
  const list = (items, digits) => items.map((n) => n.toFixed(digits)).join(', ');
  for (const [folder, measured] of runs) {
    console.log(`${folder}: last byte ${list(measured.map((r) => r.lastByteSeconds), 2)} s; server CPU ${list(measured.map((r) => r.serverCpuSeconds), 2)} s`
      + `${values.engine === 'postgres' ? `; PostgreSQL ${list(measured.map((r) => r.databaseCpuSeconds), 2)} s` : ''}; peak RSS ${list(measured.map((r) => r.peakRssMb), 0)} MB`);
  }
} finally {
  await shop.close();
  await cleanupAll();
}
