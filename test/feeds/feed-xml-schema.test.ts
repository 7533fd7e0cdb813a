import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoCatalog } from '../../src/demo/load-demo.js';
import { startTestApp, type TestApp, type TestPartner } from '../support/test-app.js';
import { feedSchemaErrors } from '../support/xmllint.js';
import { fetchFeed, givenFeed, importCsv } from './feed-support.js';

// XML feeds as the server sends them, over every product of the demo catalog (every delivery case,
// options, subscriptions, a pre-order, two languages), validated against the published feed-2.4.xsd
// by xmllint: full, ALL languages, and a diff with removed products.

let t: TestApp;
let shop: TestPartner;

beforeAll(async () => {
  t = await startTestApp({ now: '2026-06-15T10:00:00.000Z' });
  await loadDemoCatalog(t.app);
  shop = await t.given.partner({ pos: { languages: ['fr', 'en'] } });
});
afterAll(() => t.close());

describe('XML feeds against feed-2.4.xsd', () => {
  it('a full feed of the demo catalog is valid', async () => {
    const feed = await givenFeed(t, shop, { output: 'xml' });
    const res = await fetchFeed(t, { secret: shop.posSecret, ...feed });
    expect(res.statusCode).toBe(200);
    expect((res.body.match(/<product id=/g) ?? []).length).toBeGreaterThan(10);
    expect(feedSchemaErrors(res.rawPayload)).toBeNull();
  });

  it('an ALL-language feed is valid, with descriptions in both languages', async () => {
    const feed = await givenFeed(t, shop, { output: 'xml', language: 'ALL' });
    const res = await fetchFeed(t, { secret: shop.posSecret, ...feed });
    expect(res.body).toMatch(/<shortDescription lang="fr">/);
    expect(res.body).toMatch(/<shortDescription lang="en">/);
    expect(feedSchemaErrors(res.rawPayload)).toBeNull();
  });

  it('a diff with a removed product is valid', async () => {
    const feed = await givenFeed(t, shop, { output: 'xml' });
    await fetchFeed(t, { secret: shop.posSecret, ...feed });
    t.clock.set('2026-06-15T11:00:00.000Z');
    await importCsv(t, 'Product ID,Status\n710002,removed\n');
    const res = await fetchFeed(t, { secret: shop.posSecret, ...feed, diff: '2026-06-15T10:30:00Z' });
    expect(res.body).toContain('<product id="710002"><status>removed</status></product>');
    expect(feedSchemaErrors(res.rawPayload)).toBeNull();
  });

  it('the validator does reject a document the schema forbids', () => {
    expect(feedSchemaErrors('<?xml version="1.0"?><catalog version="2.4" generated="2026-06-15T10:00:00Z"><product><status>sold</status></product></catalog>')).not.toBeNull();
  });
});
