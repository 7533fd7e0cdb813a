import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isPostgres } from '../../src/db/engine.js';
import type { Db } from '../../src/db/schema.js';
import { FEED_PAGE_SIZE } from '../../src/domains/feeds/index.js';
import { givenManyProducts } from '../support/products.js';
import { startTestApp, type TestApp, type TestPartner } from '../support/test-app.js';
import { givenFeed } from './feed-support.js';

// A feed is streamed from the database to the socket (feeds.md: "the first bytes leave before the last
// product is read"), over real HTTP: a client that stops reading holds the server back, and a client
// that goes away stops the reading.

let t: TestApp;
let shop: TestPartner;
let feed: { provider: number; config: number };
let url: string;

/** Far more than loopback socket buffers and stream buffers hold together (each row is about 4 kB). */
const PRODUCTS = 8000;

beforeAll(async () => {
  t = await startTestApp();
  shop = await t.given.partner();
  await givenManyProducts(t.app.db, { from: 900_000, count: PRODUCTS, descriptionLength: 2000 });
  feed = await givenFeed(t, shop);
  await t.server.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.server.server.address() as AddressInfo;
  url = `http://127.0.0.1:${port}/flow/getcatalog/v2.4/?secret=${shop.posSecret}&provider=${feed.provider}&config=${feed.config}`;
});
afterAll(() => t.close());

/**
 * The read handle, counting the reads of a page of products: the feed runs its page queries as
 * prepared queries, whose compiled SQL goes through the handle's executeQuery at every read.
 */
function countingProductReads(db: Db): { db: Db; count: () => number } {
  let reads = 0;
  const counted = new Proxy(db, {
    get(target, property) {
      if (property === 'executeQuery') {
        return (query: CompiledQuery) => {
          if (/\bfrom "products"/.test(query.sql)) reads += 1;
          return target.executeQuery(query);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: counted, count: () => reads };
}

const membersSent = async () => Number((await t.app.db.selectFrom('product_list_members').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

describe('feed streaming', () => {
  it('sends its first bytes before the last product is read, and stops reading when the client goes away', async () => {
    const firstChunk = await new Promise<Buffer>((resolve, reject) => {
      const request = http.get(url, (response) => {
        response.once('data', (chunk: Buffer) => {
          // Stop reading and leave: the server must not read the rest of the catalog.
          response.pause();
          request.destroy();
          resolve(chunk);
        });
      });
      request.on('error', (error) => (request.destroyed ? undefined : reject(error)));
    });
    expect(firstChunk.toString('utf8', 0, 10)).toBe('Product ID');

    await vi.waitFor(() => expect(t.logs.join('\n')).toContain('feed stopped before its end'), { timeout: 10_000 });
    const read = await membersSent();
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(PRODUCTS);
    const list = await t.app.db.selectFrom('product_lists').select('last_complete_fetch_at').executeTakeFirstOrThrow();
    expect(list.last_complete_fetch_at).toBeNull();
  });

  it('reads at most one page ahead of the rows it has given (none on SQLite), and no page once its reader has gone', async () => {
    const reads = countingProductReads(t.app.readDb);
    const prepared = await t.app.feeds.prepareFeed({ db: t.app.db, readDb: reads.db }, {
      secret: shop.posSecret, provider: String(feed.provider), config: String(feed.config), callerIp: '127.0.0.1',
    });
    const before = reads.count();
    const { body, ended } = prepared.open();
    body.once('data', () => body.destroy());
    const end = await ended;
    const pageReads = reads.count() - before;

    expect(end.complete).toBe(false);
    // Every page given was full (all products are sold): the rows tell how many pages were given.
    const pagesGiven = end.rows / FEED_PAGE_SIZE;
    expect(pagesGiven).toBeGreaterThan(0);
    // PostgreSQL reads the next page while one is written; SQLite reads synchronously, so it does not.
    if (isPostgres(t.app.readDb)) expect([pagesGiven, pagesGiven + 1]).toContain(pageReads);
    else expect(pageReads).toBe(pagesGiven);
    expect(pageReads).toBeLessThan(PRODUCTS / FEED_PAGE_SIZE);
    // `ended` waits for the rows' generator to return: nothing left scheduled reads another page.
    await new Promise((resolve) => setImmediate(resolve));
    expect(reads.count() - before).toBe(pageReads);
  });

  it('sends every product to a client that reads to the end', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      http.get(url, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => { text += chunk; });
        response.on('end', () => resolve(text));
      }).on('error', reject);
    });
    expect(body.trimEnd().split('\r\n')).toHaveLength(PRODUCTS + 1);
    await vi.waitFor(() => expect(t.logs.join('\n')).toContain('feed sent'), { timeout: 10_000 });
    expect(await membersSent()).toBe(PRODUCTS);
  });
});
