import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEED_COLUMNS } from '../../src/domains/feeds/index.js';
import { givenProduct } from '../support/products.js';
import { startTestApp, type TestApp, type TestPartner } from '../support/test-app.js';
import { csvHeader, csvRows, fetchFeed, givenFeed } from './feed-support.js';

// Fetching a feed (feeds.md §Fetching a feed): who may fetch which feed, and what a full feed holds.

let t: TestApp;
let shop: TestPartner;
let feed: { provider: number; config: number };

beforeAll(async () => {
  t = await startTestApp();
  shop = await t.given.partner();
  await givenProduct(t.app.db, { ref: 810002, names: { en: 'Beta Suite' } });
  await givenProduct(t.app.db, { ref: 810001, names: { en: 'Alpha Tool' } });
  await givenProduct(t.app.db, { ref: 810003, status: 'end_of_life' });
  await givenProduct(t.app.db, { ref: 810004, prices: [{ currency: 'USD', retailer: 3000, public: 4999, sale: 4499 }] });
  feed = await givenFeed(t, shop);
});
afterAll(() => t.close());

describe('feed URL refusals', () => {
  it.each(['secret', 'provider', 'config'])('answers 400 in plain text when %s is missing', async (missing) => {
    const query = new URLSearchParams({ secret: shop.posSecret, provider: String(feed.provider), config: String(feed.config) });
    query.delete(missing);
    const res = await t.server.inject({ method: 'GET', url: `/flow/getcatalog/v2.4/?${query.toString()}` });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body.trim().split('\n')).toHaveLength(1);
    expect(res.body).toContain(missing);
  });

  it.each([['provider', 'abc'], ['config', '-1'], ['provider', '0'], ['config', '99999999999']])('answers 400 when %s is %s', async (name, value) => {
    const res = await fetchFeed(t, { secret: shop.posSecret, provider: feed.provider, config: feed.config, [name]: value });
    expect(res.statusCode).toBe(400);
  });

  it('answers 400 for a diff that is neither a date-time nor last', async () => {
    const res = await fetchFeed(t, { secret: shop.posSecret, ...feed, diff: 'yesterday' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('diff');
  });

  it('answers 401 for a wrong secret, without echoing it', async () => {
    const res = await fetchFeed(t, { secret: 'Wrong0Secret0Of0Thirty0Two0Chars', ...feed });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).not.toContain('Wrong0Secret');
  });

  it('answers 404 for a product list of another partner, and for its feed format', async () => {
    const other = await t.given.partner();
    const theirs = await givenFeed(t, other);
    expect((await fetchFeed(t, { secret: shop.posSecret, provider: theirs.provider, config: feed.config })).statusCode).toBe(404);
    expect((await fetchFeed(t, { secret: shop.posSecret, provider: feed.provider, config: theirs.config })).statusCode).toBe(404);
    // The owner fetches it.
    expect((await fetchFeed(t, { secret: other.posSecret, ...theirs })).statusCode).toBe(200);
  });

  it('answers 404 for a list of another POS of the same partner', async () => {
    const second = await t.app.db.transaction().execute((tx) => t.app.partners.createPointOfSale(tx, shop.partnerId, { name: 'Second' }, 'test'));
    const theirs = await givenFeed(t, { partnerId: shop.partnerId, posId: second.pos.id });
    const res = await fetchFeed(t, { secret: shop.posSecret, provider: theirs.provider, config: theirs.config });
    expect(res.statusCode).toBe(404);
    expect((await fetchFeed(t, { secret: second.secret, ...theirs })).statusCode).toBe(200);
  });

  it('answers 404 for ids that do not exist', async () => {
    expect((await fetchFeed(t, { secret: shop.posSecret, provider: 99999, config: feed.config })).statusCode).toBe(404);
    expect((await fetchFeed(t, { secret: shop.posSecret, provider: feed.provider, config: 99999 })).statusCode).toBe(404);
  });

  it('answers 403 to a caller outside the POS allow-list, 200 inside it', async () => {
    const guarded = await t.given.partner();
    await t.app.db.transaction().execute((tx) => t.app.partners.allowIp(tx, guarded.posId, '203.0.113.0/24', 'test'));
    const theirs = await givenFeed(t, guarded);
    expect((await fetchFeed(t, { secret: guarded.posSecret, ...theirs, ip: '198.51.100.7' })).statusCode).toBe(403);
    expect((await fetchFeed(t, { secret: guarded.posSecret, ...theirs, ip: '203.0.113.9' })).statusCode).toBe(200);
  });

  it('answers 403 for a suspended POS', async () => {
    const suspended = await t.given.partner();
    const theirs = await givenFeed(t, suspended);
    await t.app.db.transaction().execute((tx) => t.app.partners.updatePointOfSale(tx, suspended.posId, { suspended: true }, 'test'));
    expect((await fetchFeed(t, { secret: suspended.posSecret, ...theirs })).statusCode).toBe(403);
  });

  it('never writes the secret to the logs, whatever the answer', async () => {
    await fetchFeed(t, { secret: shop.posSecret, ...feed });
    await fetchFeed(t, { secret: shop.posSecret, provider: 99999, config: feed.config });
    await t.server.inject({ method: 'GET', url: `/flow/getcatalog/v9/?secret=${shop.posSecret}` });
    expect(t.logs.join('\n')).not.toContain(shop.posSecret);
  });
});

describe('a full CSV feed', () => {
  it('answers text/csv in UTF-8 with the 2.4 columns in their default order', async () => {
    const res = await fetchFeed(t, { secret: shop.posSecret, ...feed });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csvHeader(res.body)).toEqual([...FEED_COLUMNS]);
  });

  it('lists the products the POS sells, ordered by Product ID: no end-of-life product, none without a price in its currency', async () => {
    const rows = csvRows((await fetchFeed(t, { secret: shop.posSecret, ...feed })).body);
    expect(rows.map((r) => r['Product ID'])).toEqual(['810001', '810002']);
    expect(rows.map((r) => r.Name)).toEqual(['Alpha Tool', 'Beta Suite']);
    expect(rows.every((r) => r.Status === 'on_sale')).toBe(true);
  });

  it('carries the POS sale price override and the retailer and public prices', async () => {
    const priced = await t.given.partner();
    await t.app.db.transaction().execute((tx) => t.app.partners.setPosPrice(tx, priced.posId, 810001, 3999, 'test'));
    const theirs = await givenFeed(t, priced);
    const rows = csvRows((await fetchFeed(t, { secret: priced.posSecret, ...theirs })).body);
    expect(rows.find((r) => r['Product ID'] === '810001')).toMatchObject({
      'Price wo.VAT': '39.99', 'Price public wo.VAT': '49.99', Currency: 'EUR', 'Retailer price': '30.00', 'Retailer price Currency': 'EUR',
    });
    expect(rows.find((r) => r['Product ID'] === '810002')).toMatchObject({ 'Price wo.VAT': '44.99' });
  });

  it('sells only the products of the POS product list', async () => {
    const narrow = await t.given.partner({ pos: { refs: [810002] } });
    const theirs = await givenFeed(t, narrow);
    const rows = csvRows((await fetchFeed(t, { secret: narrow.posSecret, ...theirs })).body);
    expect(rows.map((r) => r['Product ID'])).toEqual(['810002']);
  });

  it('uses the POS currency: a USD POS sees only the product priced in USD', async () => {
    const dollars = await t.given.partner({ pos: { currency: 'USD' } });
    const theirs = await givenFeed(t, dollars);
    const rows = csvRows((await fetchFeed(t, { secret: dollars.posSecret, ...theirs })).body);
    expect(rows.map((r) => [r['Product ID'], r.Currency])).toEqual([['810004', 'USD']]);
  });

  it('answers HEAD with the headers and no body', async () => {
    const query = new URLSearchParams({ secret: shop.posSecret, provider: String(feed.provider), config: String(feed.config) });
    const res = await t.server.inject({ method: 'HEAD', url: `/flow/getcatalog/v2.4/?${query.toString()}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBeDefined();
    expect(res.body).toBe('');
  });
});
