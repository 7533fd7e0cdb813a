#!/usr/bin/env node
// The CSV feed writer alone (src/domains/feeds/feed-csv.ts, built): 100,000 rows shaped like the feed
// scenario's (200- and 1,000-character French descriptions), in pages of 250, into a sink. No server,
// database or socket, so the CPU seconds it prints move far less than a whole feed's; handed several
// project folders it alternates their builds, which is how two versions of the writer are compared.
//
//   node bench/feed-writer.mjs                      # this checkout's dist/
//   node bench/feed-writer.mjs /tmp/old .           # an older checkout's dist/ against this one, alternating

import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { text } from './scenarios/feed.mjs';

const ROWS = 100_000;
const PAGE = 250;
const ROUNDS = 6;

const FORMAT = { id: 1, partnerId: 1, name: 'bench', version: '2.4', output: 'csv', excel: false, charset: 'utf-8', separator: ',', delimiter: '"', eol: 'crlf', updatedAt: '2026-01-01T00:00:00.000Z' };
const PRODUCT = {
  publisherId: 12, publisherName: 'Publisher 12', creationDate: '2026-01-02', licenseLifetime: null, keywords: null, numberOfUsers: 1,
  version: '1.0', ean: null, type: 1, releaseDate: null, totalSizeBytes: 0, languages: ['fr'], descriptions: {},
  images: { small: 'https://cdn.example.com/s.png', medium: null, big: null }, screenshots: [], categoryIds: [101, 102, 103],
  currency: 'EUR', saleMinor: 4499, publicMinor: 4999, retailerMinor: 3000, memoryMb: null, diskMb: null, osIds: [], drm: null,
  status: 'on_sale', subscriptionPeriod: null, flags: { new: false, top: false, promo: false },
  delivery: { serialNumber: true, downloadLink: false, downloadManager: false, digitalLocker: false },
};

const pages = [];
for (let first = 1; first <= ROWS; first += PAGE) {
  pages.push(Array.from({ length: PAGE }, (_, i) => ({
    kind: 'product',
    product: { ...PRODUCT, ref: first + i, name: `Produit ${first + i}`, shortDescription: text(200, first + i), longDescription: text(1000, first + i + 1) },
  })));
}

async function writerOf(folder) {
  const dist = (file) => pathToFileURL(path.resolve(folder, 'dist/domains/feeds', file)).href;
  const [{ FEED_COLUMNS, csvHeaderOf }, { csvFeedStream }] = await Promise.all([import(dist('feed.js')), import(dist('feed-csv.js'))]);
  const format = { ...FORMAT, columns: [...FEED_COLUMNS] };
  return () => csvFeedStream(format, csvHeaderOf(format.columns, null));
}

/** CPU seconds of the process while one writer turns every page into bytes, and the bytes. */
async function measure(newWriter) {
  let bytes = 0;
  const sink = new Writable({ write(chunk, _encoding, done) { bytes += chunk.length; done(); } });
  const start = process.cpuUsage();
  await pipeline(Readable.from(pages, { highWaterMark: 1 }), newWriter(), sink);
  const used = process.cpuUsage(start);
  return { seconds: (used.user + used.system) / 1e6, bytes };
}

const folders = process.argv.length > 2 ? process.argv.slice(2) : ['.'];
const writers = await Promise.all(folders.map(writerOf));
const seconds = folders.map(() => []);
const bytes = folders.map(() => 0);
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, newWriter] of writers.entries()) {
    const run = await measure(newWriter);
    // The first round warms the code up: not counted.
    if (round > 0) seconds[i].push(run.seconds);
    bytes[i] = run.bytes;
  }
}
for (const [i, folder] of folders.entries()) {
  const sorted = [...seconds[i]].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(`${folder}: ${(bytes[i] / 1e6).toFixed(1)} MB, CPU s per ${ROWS.toLocaleString('en')} rows: median ${median.toFixed(2)} (${seconds[i].map((s) => s.toFixed(2)).join(', ')})`);
}
