import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProducts, type Product } from '../../src/domains/catalog/index.js';
import { buildServer } from '../../src/http/server.js';
import { csvRows } from '../feeds/feed-support.js';
import { cliHarness, uniqueName, type CliHarness } from './cli-harness.js';

// `resell feed create` (feeds.md, product.md §CLI), and the round trip of issue 5: a feed the product
// writes, imported with `resell catalog import` into an empty database, gives the same products.

const DEMO_CATALOG = fileURLToPath(new URL('../../demo/catalog.json', import.meta.url));

let cli: CliHarness;
let shop: { partnerId: number; posId: number; secret: string };

beforeAll(async () => {
  cli = await cliHarness();
  shop = await cli.json('partner', 'create', '--name', uniqueName(), '--language', 'en', '--json');
});
afterAll(() => cli.close());

type Created = { provider: number; config: number; url: string };

describe('resell feed create', () => {
  it('prints {"provider","config","url"} with integer ids and a URL that carries {secret}', async () => {
    const created = await cli.json<Created>('feed', 'create', '--partner', String(shop.partnerId), '--pos', String(shop.posId), '--json');
    expect(Object.keys(created)).toEqual(['provider', 'config', 'url']);
    expect(Number.isInteger(created.provider) && Number.isInteger(created.config)).toBe(true);
    const url = new URL(created.url);
    expect(url.pathname).toBe('/flow/getcatalog/v2.4/');
    expect(url.searchParams.get('secret')).toBe('{secret}');
    expect(url.searchParams.get('provider')).toBe(String(created.provider));
    expect(url.searchParams.get('config')).toBe(String(created.config));
  });

  it('stores every flag in the feed format and the product list', async () => {
    const created = await cli.json<Created>('feed', 'create', '--partner', String(shop.partnerId), '--pos', String(shop.posId),
      '--name', 'Nightly', '--format', 'csv', '--charset', 'ISO-8859-1', '--separator', 'tab', '--delimiter', "'", '--eol', 'lf',
      '--columns', 'Product ID,Name,Price wo.VAT', '--provider', 'top', '--limit', '50', '--language', 'ALL', '--description-language', 'de',
      '--categories', '7,8', '--publishers', '12', '--refs', '710001,710002', '--name-filter', 'Office', '--json');
    const format = await cli.app.db.selectFrom('feed_formats').selectAll().where('id', '=', created.config).executeTakeFirstOrThrow();
    expect(format).toMatchObject({
      partner_id: shop.partnerId, name: 'Nightly', version: '2.4', output: 'csv', excel: 0, charset: 'iso-8859-1',
      separator: '\t', delimiter: "'", eol: 'lf', columns: JSON.stringify(['Product ID', 'Name', 'Price wo.VAT']),
    });
    const list = await cli.app.db.selectFrom('product_lists').selectAll().where('id', '=', created.provider).executeTakeFirstOrThrow();
    expect(list).toMatchObject({
      partner_id: shop.partnerId, pos_id: shop.posId, name: 'Nightly', kind: 'top', max_products: 50, language: 'ALL',
      description_language: 'de', categories: '[7,8]', publishers: '[12]', refs: '[710001,710002]', name_filter: 'Office',
    });
  });

  it('stores the Excel switch and XML output', async () => {
    const excel = await cli.json<Created>('feed', 'create', '--partner', String(shop.partnerId), '--pos', String(shop.posId), '--excel', '--json');
    expect((await cli.app.db.selectFrom('feed_formats').select('excel').where('id', '=', excel.config).executeTakeFirstOrThrow()).excel).toBe(1);
    const xml = await cli.json<Created>('feed', 'create', '--partner', String(shop.partnerId), '--pos', String(shop.posId), '--format', 'xml', '--json');
    expect((await cli.app.db.selectFrom('feed_formats').select('output').where('id', '=', xml.config).executeTakeFirstOrThrow()).output).toBe('xml');
  });

  it.each([
    [['--columns', 'Product ID,Colour'], /Colour/],
    [['--charset', 'utf-16'], /charset/],
    [['--separator', ';;'], /separator/],
    [['--separator', '"'], /differ/],
    [['--language', 'english'], /language/],
    [['--limit', '0'], /limit/],
    [['--provider', 'best'], /provider/],
  ])('refuses %j with exit 1, a one-line reason, and creates nothing', async (flags, reason) => {
    const before = await cli.app.db.selectFrom('feed_formats').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const result = await cli.run('feed', 'create', '--partner', String(shop.partnerId), '--pos', String(shop.posId), ...flags, '--json');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(reason);
    const after = await cli.app.db.selectFrom('feed_formats').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toEqual(before.n);
  });

  it('refuses a POS of another partner', async () => {
    const other = await cli.json<{ partnerId: number; posId: number }>('partner', 'create', '--name', uniqueName(), '--json');
    const result = await cli.run('feed', 'create', '--partner', String(shop.partnerId), '--pos', String(other.posId), '--json');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/point of sale/);
  });
});

describe('feed round trip', () => {
  it('a CSV feed imported with `resell catalog import` into an empty database gives the same products', async () => {
    expect((await cli.run('catalog', 'import', DEMO_CATALOG)).code).toBe(0);
    const created = await cli.json<Created>('feed', 'create', '--partner', String(shop.partnerId), '--pos', String(shop.posId), '--language', 'en', '--json');
    const server = await buildServer(cli.app);
    const res = await server.inject({ method: 'GET', url: created.url.replace(/^https?:\/\/[^/]+/, '').replace('{secret}', shop.secret) });
    await server.close();
    expect(res.statusCode).toBe(200);
    const refs = csvRows(res.body).map((r) => Number(r['Product ID']));
    expect(refs.length).toBeGreaterThan(10);

    const empty = await cliHarness();
    try {
      const file = path.join(empty.dataDir, 'feed.csv');
      fs.writeFileSync(file, res.rawPayload);
      const imported = await empty.run('catalog', 'import', file, '--json');
      expect(imported.code).toBe(0);
      expect(JSON.parse(imported.stdout)).toMatchObject({ inserted: refs.length, rejected: [] });

      const shape = (p: Product) => ({
        ref: p.ref, name: p.texts.en?.name, publisherId: p.publisherId, categoryIds: p.categoryIds,
        prices: p.prices.filter((x) => x.currency === 'EUR').map(({ currency, sale, public: pub, retailer }) => ({ currency, sale, public: pub, retailer })),
      });
      const original = [...(await findProducts(cli.app.db, refs)).values()].map(shape);
      const copied = [...(await findProducts(empty.app.db, refs)).values()].map(shape);
      expect(copied.sort((a, b) => a.ref - b.ref)).toEqual(original.sort((a, b) => a.ref - b.ref));
    } finally {
      await empty.close();
    }
  });
});
