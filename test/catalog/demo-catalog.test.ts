import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findProducts, findPublishers, type Product } from '../../src/domains/catalog/index.js';
import { demoDirectory, loadDemo, loadDemoCatalog } from '../../src/demo/load-demo.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp();
});
afterEach(() => t.close());

async function demoProducts(): Promise<Product[]> {
  const refs = await t.app.db.selectFrom('products').select('ref').orderBy('ref').execute();
  return [...(await findProducts(t.app.db, refs.map((r) => r.ref))).values()];
}

function keyCount(ref: number): number {
  const file = path.join(demoDirectory(), 'keys', `${ref}.txt`);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').length : 0;
}

const pooled = (p: Product) => p.delivery.serialSource === 'pool' && p.status !== 'end_of_life';

describe('demo dataset', () => {
  it('finds demo/ from the package root, wherever the code runs from', () => {
    expect(fs.existsSync(path.join(demoDirectory(), 'catalog.json'))).toBe(true);
    const root = path.dirname(demoDirectory());
    expect(demoDirectory(path.join(root, 'dist', 'demo', 'load-demo.js'))).toBe(demoDirectory());
    expect(demoDirectory(path.join(root, 'src', 'demo', 'load-demo.ts'))).toBe(demoDirectory());
  });

  it('imports demo/catalog.json cleanly, twice without change', async () => {
    await loadDemoCatalog(t.app);
    const first = await demoProducts();
    expect(first.length).toBeGreaterThanOrEqual(12);
    const checked = await t.app.catalog.checkCatalogFile(JSON.parse(fs.readFileSync(path.join(demoDirectory(), 'catalog.json'), 'utf8')), demoDirectory());
    const again = await t.app.db.transaction().execute((tx) => t.app.catalog.importCatalogFile(tx, checked, 'demo'));
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: first.length });
  });

  it('covers every delivery case of the first run', async () => {
    await loadDemoCatalog(t.app);
    const products = await demoProducts();
    const publishers = await findPublishers(t.app.db, products.map((p) => p.publisherId));
    const some = (what: string, test: (p: Product) => boolean) => {
      const found = products.filter(test);
      expect(found.length, what).toBeGreaterThan(0);
      return found;
    };

    some('pooled serials with at least 30 keys', (p) => pooled(p) && p.delivery.serialsPerUnit === 1 && keyCount(p.ref) >= 30);
    some('a pool below its low-stock threshold', (p) => pooled(p) && p.status === 'on_sale' && keyCount(p.ref) > 0
      && Math.floor(keyCount(p.ref) / p.delivery.serialsPerUnit) <= p.delivery.lowStockThreshold);
    some('several serials per unit', (p) => pooled(p) && p.delivery.serialsPerUnit === 2 && keyCount(p.ref) % 2 === 0 && keyCount(p.ref) > 0);
    some('serial only, activation portal remark', (p) => p.delivery.serialsPerUnit >= 1 && p.files.length === 0 && p.drm !== null
      && (p.delivery.remark ?? '').includes('{orderNumber}') && (p.delivery.remark ?? '').includes('{email}'));
    some('download only from local files', (p) => p.delivery.serialSource === 'none' && p.option === null && p.files.length > 0
      && p.files.every((f) => f.storePath !== null && f.sha256 !== null && f.sizeBytes > 0));
    some('digital locker', (p) => p.delivery.digitalLockerLink !== null && p.files.length === 0);
    const yearly = some('yearly subscription with a new serial each term', (p) => p.subscription?.period === 'P1Y' && p.delivery.newSerialEachTerm);
    some('monthly subscription', (p) => p.subscription?.period === 'P1M');
    for (const p of products.filter((x) => x.subscription)) expect(p.prices.every((price) => price.renewal !== null)).toBe(true);
    expect(yearly[0]!.prices.some((price) => price.renewal !== price.sale)).toBe(true);
    some('pre-order with a future release date', (p) => p.status === 'pre_order' && p.releaseDate !== null && p.releaseDate > new Date().toISOString().slice(0, 10));
    some('generated serials', (p) => p.delivery.serialSource === 'generated' && /X{4}/.test(p.delivery.serialPattern ?? ''));
    some('a file served from an origin URL', (p) => p.files.some((f) => f.originUrl !== null && f.storePath === null && f.sizeBytes > 0));

    const options = new Map(products.filter((p) => p.option).map((p) => [p.ref, p]));
    const attached = (kind: string) => products.filter((p) => p.optionRefs.some((ref) => options.get(ref)?.option?.kind === kind));
    expect(attached('download_extension').length).toBeGreaterThan(0);
    expect([...options.values()].find((o) => o.option!.kind === 'download_extension')!.option!.duration).toBe('P1Y');
    expect(attached('backup_dvd').length).toBeGreaterThan(0);
    const dvd = [...options.values()].find((o) => o.option!.kind === 'download_dvd')!;
    expect(publishers.get(dvd.publisherId)!.mustProposeDvd).toBe(true);
    expect(attached('download_dvd').some((p) => p.publisherId === dvd.publisherId)).toBe(true);

    some('cross-sell', (p) => p.crossSellRefs.length > 0);
    some('up-sell', (p) => p.upSellRefs.length > 0);
    for (const p of products) expect(Object.keys(p.texts)).toEqual(expect.arrayContaining(['en', 'fr']));
    for (const p of products.filter((x) => x.status !== 'end_of_life')) expect(p.prices.map((price) => price.currency)).toContain('EUR');
    some('priced in USD too', (p) => p.prices.some((price) => price.currency === 'USD'));
  });

  it('loads the catalog, its keys and the demo partner with one POS in EUR, FR, fr and en, and a feed of its catalog', async () => {
    const credentials = await loadDemo(t.app);
    expect(credentials).toMatchObject({ realmName: 'demo-shop', clientSecret: expect.any(String), posSecret: expect.any(String) });
    const feed = await t.server.inject({ method: 'GET', url: credentials.feedUrl.replace(/^https?:\/\/[^/]+/, '') });
    expect(feed.statusCode).toBe(200);
    expect(feed.body.split('\r\n').filter((line) => /^\d+,/.test(line)).length).toBeGreaterThan(10);
    const pos = await t.app.partners.getPointOfSale(t.app.db, credentials.posId);
    expect(pos).toMatchObject({ partnerId: credentials.partnerId, currency: 'EUR', countries: ['FR'], languages: ['fr', 'en'] });

    const keys = await t.app.db.selectFrom('serial_keys').select(['product_ref']).execute();
    const perRef = new Map<number, number>();
    for (const k of keys) perRef.set(k.product_ref, (perRef.get(k.product_ref) ?? 0) + 1);
    for (const name of fs.readdirSync(path.join(demoDirectory(), 'keys'))) {
      const ref = Number(name.replace('.txt', ''));
      expect(perRef.get(ref), name).toBe(keyCount(ref));
    }
  });
});
