import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedSettings } from '../../src/domains/feeds/index.js';
import { givenProduct } from '../support/products.js';
import { startTestApp, type TestApp, type TestPartner } from '../support/test-app.js';
import { csvHeader, csvRows, fetchFeed, givenFeed } from './feed-support.js';

// Product lists and feed formats (feeds.md §Defining a feed): which products, in which language, how written.

let t: TestApp;
let shop: TestPartner;

beforeAll(async () => {
  t = await startTestApp();
  shop = await t.given.partner({ pos: { languages: ['fr', 'en'], descriptionLanguage: 'fr' } });
  await t.app.db.insertInto('categories').values([
    { id: 10, parent_id: null, labels: '{"en":"Security"}', position: 0 },
    { id: 11, parent_id: 10, labels: '{"en":"Antivirus"}', position: 0 },
    { id: 20, parent_id: null, labels: '{"en":"Games"}', position: 1 },
  ]).execute();
  await givenProduct(t.app.db, {
    ref: 820001, publisherId: 5, publisherName: 'Cobalt', categoryIds: [11], flags: { top: true },
    names: { en: 'Shield Antivirus', fr: 'Bouclier Antivirus' },
    shortDescriptions: { en: 'Protects', fr: 'Protège' }, longDescriptions: { en: 'Protects your PC', fr: 'Protège votre PC' },
  });
  await givenProduct(t.app.db, { ref: 820002, publisherId: 6, publisherName: 'Fennel', categoryIds: [20], flags: { new: true }, names: { en: 'Space Race' }, shortDescriptions: { en: 'A game' } });
  await givenProduct(t.app.db, { ref: 820003, publisherId: 5, categoryIds: [10], flags: { top: true, new: true }, names: { de: 'Sicherheit Plus' } });
  await givenProduct(t.app.db, { ref: 820004, publisherId: 6, categoryIds: [20], names: { en: 'Puzzle Box', es: 'Caja de puzles' } });
});
afterAll(() => t.close());

async function refsOf(settings: FeedSettings): Promise<string[]> {
  const feed = await givenFeed(t, shop, settings);
  const res = await fetchFeed(t, { secret: shop.posSecret, ...feed });
  expect(res.statusCode).toBe(200);
  return csvRows(res.body).map((r) => r['Product ID']!);
}

describe('product lists', () => {
  it('full: the whole POS catalog', async () => {
    expect(await refsOf({})).toEqual(['820001', '820002', '820003', '820004']);
  });

  it('top: products flagged Top selling; new: flagged New', async () => {
    expect(await refsOf({ kind: 'top' })).toEqual(['820001', '820003']);
    expect(await refsOf({ kind: 'new' })).toEqual(['820002', '820003']);
  });

  it('limit: at most that many products, the lowest refs', async () => {
    expect(await refsOf({ maxProducts: 2 })).toEqual(['820001', '820002']);
    expect(await refsOf({ kind: 'top', maxProducts: 1 })).toEqual(['820001']);
  });

  it('categories: a parent category covers its subcategories', async () => {
    expect(await refsOf({ categories: [10] })).toEqual(['820001', '820003']);
    expect(await refsOf({ categories: [11] })).toEqual(['820001']);
  });

  it('publishers, and publishers combined with categories (both must match)', async () => {
    expect(await refsOf({ publishers: [6] })).toEqual(['820002', '820004']);
    expect(await refsOf({ publishers: [5], categories: [20] })).toEqual([]);
  });

  it('refs, a name filter in any language, and the two as alternatives', async () => {
    expect(await refsOf({ refs: [820004, 820002] })).toEqual(['820002', '820004']);
    expect(await refsOf({ nameFilter: 'antivirus' })).toEqual(['820001']);
    expect(await refsOf({ nameFilter: 'caja' })).toEqual(['820004']);
    expect(await refsOf({ refs: [820002], nameFilter: 'puzzle' })).toEqual(['820002', '820004']);
  });
});

describe('languages', () => {
  it('a single master language: names and descriptions in the description language, Language tells which', async () => {
    const feed = await givenFeed(t, shop, { language: 'fr' });
    const rows = csvRows((await fetchFeed(t, { secret: shop.posSecret, ...feed })).body);
    expect(rows[0]).toMatchObject({ Name: 'Bouclier Antivirus', 'Short description': 'Protège', 'Long description': 'Protège votre PC', Language: 'fr' });
  });

  it('the description language may differ from the master language', async () => {
    const feed = await givenFeed(t, shop, { language: 'fr', descriptionLanguage: 'en' });
    const rows = csvRows((await fetchFeed(t, { secret: shop.posSecret, ...feed })).body);
    expect(rows[0]).toMatchObject({ Name: 'Shield Antivirus', 'Short description': 'Protects', Language: 'en' });
  });

  it('falls back to the catalog language (en) for a product without texts in the feed language', async () => {
    const feed = await givenFeed(t, shop, { language: 'fr' });
    const rows = csvRows((await fetchFeed(t, { secret: shop.posSecret, ...feed })).body);
    expect(rows[1]).toMatchObject({ 'Product ID': '820002', Name: 'Space Race', 'Short description': 'A game', Language: 'en' });
    // Only a German text: the product keeps its German name rather than none.
    expect(rows[2]).toMatchObject({ 'Product ID': '820003', Name: 'Sicherheit Plus', Language: 'de' });
  });

  it('ALL: empty plain descriptions, one column pair per catalog language appended, Language lists the product\'s languages', async () => {
    const feed = await givenFeed(t, shop, { language: 'ALL', descriptionLanguage: 'en' });
    const res = await fetchFeed(t, { secret: shop.posSecret, ...feed });
    const header = csvHeader(res.body);
    expect(header.slice(-8)).toEqual([
      'Short description DE', 'Long description DE', 'Short description EN', 'Long description EN',
      'Short description ES', 'Long description ES', 'Short description FR', 'Long description FR',
    ]);
    const rows = csvRows(res.body);
    expect(rows[0]).toMatchObject({
      Name: 'Shield Antivirus', 'Short description': '', 'Long description': '', Language: 'en:fr',
      'Short description EN': 'Protects', 'Long description EN': 'Protects your PC', 'Short description FR': 'Protège', 'Long description FR': 'Protège votre PC',
      'Short description DE': '', 'Short description ES': '',
    });
    expect(rows[3]).toMatchObject({ Name: 'Puzzle Box', Language: 'en:es' });
  });
});

describe('feed formats over HTTP', () => {
  it('chosen columns in the chosen order', async () => {
    const feed = await givenFeed(t, shop, { columns: ['Name', 'Product ID', 'price wo.vat'] });
    const res = await fetchFeed(t, { secret: shop.posSecret, ...feed });
    expect(csvHeader(res.body)).toEqual(['Name', 'Product ID', 'Price wo.VAT']);
    expect(csvRows(res.body)[0]).toEqual({ Name: 'Bouclier Antivirus', 'Product ID': '820001', 'Price wo.VAT': '44.99' });
  });

  it('separator, delimiter and line ending as set', async () => {
    const feed = await givenFeed(t, shop, { columns: ['Product ID', 'Name'], separator: '|', delimiter: "'", eol: 'lf', nameFilter: 'antivirus' });
    const res = await fetchFeed(t, { secret: shop.posSecret, ...feed });
    expect(res.body).toBe('Product ID|Name\n820001|Bouclier Antivirus\n');
  });

  it('ISO-8859-1: declared in Content-Type and written in single bytes', async () => {
    const feed = await givenFeed(t, shop, { columns: ['Short description'], charset: 'iso-8859-1', refs: [820001] });
    const res = await fetchFeed(t, { secret: shop.posSecret, ...feed });
    expect(res.headers['content-type']).toBe('text/csv; charset=iso-8859-1');
    expect(res.rawPayload.includes(Buffer.from('Prot\xe8ge', 'latin1'))).toBe(true);
  });

  it('Excel compatible: UTF-8 BOM, ; and CRLF, whatever else is set', async () => {
    const feed = await givenFeed(t, shop, { columns: ['Product ID', 'Name'], excel: true, separator: '|', eol: 'lf', charset: 'iso-8859-1', refs: [820001] });
    const res = await fetchFeed(t, { secret: shop.posSecret, ...feed });
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(res.rawPayload.subarray(3).toString('utf8')).toBe('Product ID;Name\r\n820001;Bouclier Antivirus\r\n');
  });

  it('XML: application/xml, one product element per product', async () => {
    const feed = await givenFeed(t, shop, { output: 'xml', kind: 'top' });
    const res = await fetchFeed(t, { secret: shop.posSecret, ...feed });
    expect(res.headers['content-type']).toBe('application/xml');
    expect(res.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\s*<catalog version="2.4" generated="2026-06-15T10:00:00.000Z">/);
    expect([...res.body.matchAll(/<product id="(\d+)">/g)].map((m) => m[1])).toEqual(['820001', '820003']);
  });
});
