import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HOUR } from '../support/clock.js';
import { givenProduct } from '../support/products.js';
import { startTestApp, type TestApp, type TestPartner } from '../support/test-app.js';
import { csvRows, fetchFeed, givenFeed, importCsv } from './feed-support.js';

// Incremental feeds and validators (feeds.md §Fetching a feed): diff=<date-time>, diff=last, ETag and
// Last-Modified. Time is the test's fixed clock, moved by hand.

let t: TestApp;
let shop: TestPartner;
let feed: { provider: number; config: number };

const T0 = '2026-06-15T10:00:00.000Z';
const at = (hours: number) => new Date(Date.parse(T0) + hours * HOUR).toISOString();

beforeEach(async () => {
  t = await startTestApp({ now: T0 });
  shop = await t.given.partner();
  for (const ref of [830001, 830002, 830003]) await givenProduct(t.app.db, { ref, publisherId: 7, names: { en: `Product ${ref}` } });
  feed = await givenFeed(t, shop);
});
afterEach(() => t.close());

const rowsOf = async (diff?: string) => {
  const res = await fetchFeed(t, { secret: shop.posSecret, ...feed, ...(diff !== undefined && { diff }) });
  expect(res.statusCode).toBe(200);
  return csvRows(res.body).map((r) => [r['Product ID'], r.Status]);
};

/** The completion of a fetch is recorded once its response ended: wait for it, as a client's next fetch would. */
async function fetchedToTheEnd(startedAt: string): Promise<void> {
  await vi.waitFor(async () => {
    const row = await t.app.db.selectFrom('product_lists').select('last_complete_fetch_at').where('id', '=', feed.provider).executeTakeFirstOrThrow();
    expect(row.last_complete_fetch_at).toBe(startedAt);
  });
}

describe('diff=<date-time>', () => {
  it('sends only products changed since then, and products gone from the list as removed rows', async () => {
    t.clock.set(at(1));
    expect(await rowsOf()).toEqual([['830001', 'on_sale'], ['830002', 'on_sale'], ['830003', 'on_sale']]);

    t.clock.set(at(2));
    await importCsv(t, 'Product ID,Name\n830002,Renamed\n');
    await importCsv(t, 'Product ID,Status\n830003,removed\n');

    t.clock.set(at(3));
    expect(await rowsOf(at(1.5))).toEqual([['830002', 'on_sale'], ['830003', 'removed']]);
    // A removed row carries nothing but its id and status.
    const removed = csvRows((await fetchFeed(t, { secret: shop.posSecret, ...feed, diff: at(1.5) })).body)[1]!;
    expect(Object.entries(removed).filter(([, v]) => v !== '')).toEqual([['Product ID', '830003'], ['Status', 'removed']]);

    expect(await rowsOf(at(3))).toEqual([]);
    expect(await rowsOf('2026-01-01T00:00:00Z')).toEqual([['830001', 'on_sale'], ['830002', 'on_sale'], ['830003', 'removed']]);
  });

  it('accepts an offset and reads it as UTC', async () => {
    t.clock.set(at(1));
    await rowsOf();
    t.clock.set(at(2));
    await importCsv(t, 'Product ID,Name\n830001,Renamed\n');
    // 11:30+00:00 written as 13:30+02:00, with the + encoded or raw (a space once decoded).
    expect(await rowsOf('2026-06-15T13:30:00+02:00')).toEqual([['830001', 'on_sale']]);
    expect(await rowsOf('2026-06-15T13:30:00 02:00')).toEqual([['830001', 'on_sale']]);
    // Without a zone: UTC.
    expect(await rowsOf('2026-06-15T11:30:00')).toEqual([['830001', 'on_sale']]);
    expect(await rowsOf('2026-06-15T12:30')).toEqual([]);
    // A date alone: midnight UTC.
    expect(await rowsOf('2026-06-15')).toHaveLength(3);
  });

  it('a product the POS stops selling is a removed row; the POS change resends the others', async () => {
    t.clock.set(at(1));
    await rowsOf();
    t.clock.set(at(2));
    await t.app.db.transaction().execute((tx) => t.app.partners.updatePointOfSale(tx, shop.posId, { refs: [830001, 830003] }, 'test'));
    expect(await rowsOf(at(1.5))).toEqual([['830001', 'on_sale'], ['830002', 'removed'], ['830003', 'on_sale']]);
  });

  it('a product that joins the list is sent even when it was not changed itself', async () => {
    const narrow = await t.given.partner({ pos: { refs: [830001] } });
    const theirs = await givenFeed(t, narrow);
    t.clock.set(at(1));
    await fetchFeed(t, { secret: narrow.posSecret, ...theirs });
    t.clock.set(at(2));
    await t.app.db.transaction().execute((tx) => t.app.partners.setPosPrice(tx, shop.posId, 830001, 1999, 'test'));
    // Another POS's price change does not touch this one.
    expect(csvRows((await fetchFeed(t, { secret: narrow.posSecret, ...theirs, diff: at(1.5) })).body)).toEqual([]);
    await t.app.db.transaction().execute((tx) => t.app.partners.updatePointOfSale(tx, narrow.posId, { refs: [830001, 830002] }, 'test'));
    const rows = csvRows((await fetchFeed(t, { secret: narrow.posSecret, ...theirs, diff: at(1.5) })).body);
    expect(rows.map((r) => r['Product ID'])).toEqual(['830001', '830002']);
  });

  it('a publisher renamed by an import changes its products', async () => {
    t.clock.set(at(1));
    await rowsOf();
    t.clock.set(at(2));
    await importCsv(t, 'Product ID,Publisher ID,Publisher name\n830001,7,Renamed Works\n');
    const rows = csvRows((await fetchFeed(t, { secret: shop.posSecret, ...feed, diff: at(1.5) })).body);
    expect(rows.map((r) => [r['Product ID'], r['Publisher name']])).toEqual([
      ['830001', 'Renamed Works'], ['830002', 'Renamed Works'], ['830003', 'Renamed Works'],
    ]);
  });

  it('a pre-order product shows on sale from its release date, and counts as changed that day', async () => {
    await givenProduct(t.app.db, { ref: 830004, status: 'pre_order', releaseDate: '2026-06-20' });
    t.clock.set(at(1));
    expect((await rowsOf()).at(-1)).toEqual(['830004', 'pre_order']);
    t.clock.set('2026-06-20T08:00:00.000Z');
    expect(await rowsOf(at(2))).toEqual([['830004', 'on_sale']]);
  });
});

describe('diff=last', () => {
  it('the first is a full feed; the next sends what changed since the last fetch sent to its end', async () => {
    t.clock.set(at(1));
    expect(await rowsOf('last')).toHaveLength(3);
    await fetchedToTheEnd(at(1));

    t.clock.set(at(2));
    await importCsv(t, 'Product ID,Name\n830001,Renamed\n');
    t.clock.set(at(3));
    expect(await rowsOf('last')).toEqual([['830001', 'on_sale']]);
    await fetchedToTheEnd(at(3));

    t.clock.set(at(4));
    expect(await rowsOf('last')).toEqual([]);
  });

  it('a fetch without diff also counts as the last one', async () => {
    t.clock.set(at(1));
    await rowsOf();
    await fetchedToTheEnd(at(1));
    t.clock.set(at(2));
    expect(await rowsOf('last')).toEqual([]);
  });
});

describe('validators', () => {
  const fetchWith = (headers: Record<string, string>, diff?: string) =>
    fetchFeed(t, { secret: shop.posSecret, ...feed, headers, ...(diff !== undefined && { diff }) });

  it('answers 304 without a body to If-None-Match with the current ETag', async () => {
    const first = await fetchWith({});
    expect(first.headers.etag).toMatch(/^W\/".+"$/);
    const again = await fetchWith({ 'if-none-match': String(first.headers.etag) });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(first.headers.etag);
  });

  it('answers 304 to If-Modified-Since at or after Last-Modified, 200 before it', async () => {
    const first = await fetchWith({});
    const lastModified = String(first.headers['last-modified']);
    expect(Date.parse(lastModified)).toBe(Date.parse(T0) - (Date.parse(T0) % 1000));
    expect((await fetchWith({ 'if-modified-since': lastModified })).statusCode).toBe(304);
    expect((await fetchWith({ 'if-modified-since': new Date(Date.parse(T0) - HOUR).toUTCString() })).statusCode).toBe(200);
  });

  it('changes the ETag and Last-Modified when a product changes, and with the diff asked', async () => {
    const first = await fetchWith({});
    t.clock.set(at(2));
    await importCsv(t, 'Product ID,Name\n830002,Renamed\n');
    const after = await fetchWith({ 'if-none-match': String(first.headers.etag) });
    expect(after.statusCode).toBe(200);
    expect(after.headers.etag).not.toBe(first.headers.etag);
    expect(Date.parse(String(after.headers['last-modified']))).toBe(Date.parse(at(2)));
    const diffed = await fetchWith({}, at(1));
    expect(diffed.headers.etag).not.toBe(after.headers.etag);
  });

  it('checks the secret before answering 304', async () => {
    const first = await fetchWith({});
    const res = await fetchFeed(t, { secret: 'Wrong0Secret0Of0Thirty0Two0Chars', ...feed, headers: { 'if-none-match': String(first.headers.etag) } });
    expect(res.statusCode).toBe(401);
  });
});
