import { once } from 'node:events';
import { Writable, type Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { FeedEntry, FeedProduct } from '../../src/domains/feeds/index.js';

/** A feed row with every field filled (a product like Office Home), with `overrides` applied. */
export function feedProduct(overrides: Partial<FeedProduct> = {}): FeedProduct {
  return {
    ref: 811537,
    publisherId: 12,
    publisherName: 'Microsoft',
    name: 'Office Home',
    creationDate: '2025-11-02',
    licenseLifetime: 'P1Y',
    keywords: 'office, word',
    numberOfUsers: 5,
    version: '2026',
    ean: '5026555057011',
    type: 1,
    releaseDate: '2026-01-15',
    totalSizeBytes: 1_234_567_890,
    shortDescription: 'Word and Excel',
    longDescription: 'Word, Excel and PowerPoint',
    languages: ['en'],
    descriptions: {},
    images: { small: 'https://cdn.example.com/s.png', medium: 'https://cdn.example.com/m.png', big: 'https://cdn.example.com/b.png' },
    screenshots: ['https://cdn.example.com/1.png', 'https://cdn.example.com/2.png'],
    categoryIds: [7466, 7467],
    currency: 'EUR',
    saleMinor: 4499,
    publicMinor: 4999,
    retailerMinor: 3000,
    memoryMb: 4096,
    diskMb: 4000,
    osIds: [63, 64],
    drm: 'Microsoft account',
    status: 'on_sale',
    subscriptionPeriod: 'P1Y',
    flags: { new: true, top: false, promo: true },
    delivery: { serialNumber: true, downloadLink: false, downloadManager: true, digitalLocker: true },
    ...overrides,
  };
}

/** A feed row with every optional field empty. */
export const SPARSE_FEED_PRODUCT = feedProduct({
  ref: 900001, publisherName: 'Tiny', name: 'Extension', licenseLifetime: null, keywords: null, numberOfUsers: null, version: null,
  ean: null, type: 3, releaseDate: null, totalSizeBytes: 0, shortDescription: null, longDescription: null, languages: [],
  images: { small: null, medium: null, big: null }, screenshots: [], categoryIds: [], saleMinor: 499, publicMinor: 499, retailerMinor: 300,
  memoryMb: null, diskMb: null, osIds: [], drm: null, status: 'pre_order', subscriptionPeriod: null,
  flags: { new: false, top: false, promo: false }, delivery: { serialNumber: false, downloadLink: false, downloadManager: false, digitalLocker: false },
});

/** What a feed stream did while `count` entries were written into it and read by a slow reader. */
export type SlowRead = { received: number; records: number; waits: number; maxReadable: number; maxWritable: number };

/**
 * Writes entries into a feed stream the way a pipeline does (waiting for `drain` when `write` says so)
 * while a reader takes one small chunk per event-loop turn, and records the largest buffers seen.
 * `countRecords` counts the records in a chunk of output.
 */
export async function readSlowly(stream: Transform, count: number, entryAt: (ref: number) => FeedEntry, countRecords: (text: string) => number): Promise<SlowRead> {
  const seen: SlowRead = { received: 0, records: 0, waits: 0, maxReadable: 0, maxWritable: 0 };
  const reader = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _encoding, callback) {
      seen.received += chunk.length;
      seen.records += countRecords(chunk.toString('utf8'));
      setImmediate(callback);
    },
  });
  stream.pipe(reader);
  for (let ref = 1; ref <= count; ref++) {
    if (!stream.write(entryAt(ref))) {
      seen.waits++;
      await once(stream, 'drain');
    }
    seen.maxReadable = Math.max(seen.maxReadable, stream.readableLength);
    seen.maxWritable = Math.max(seen.maxWritable, stream.writableLength);
  }
  stream.end();
  await finished(reader);
  return seen;
}
