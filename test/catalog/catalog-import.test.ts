import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CatalogFileRefused, findProducts, findPublishers, getMasterLanguage, listCategories, listOperatingSystems, type ImportSummary, type Product } from '../../src/domains/catalog/index.js';
import { cliHarness, type CliHarness } from '../cli/cli-harness.js';
import { DAY } from '../support/clock.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { fixturePath, fullCatalog, SETUP_CONTENT, writeCatalogDir } from './catalog-builders.js';

let t: TestApp;

const sha256 = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');
const REFS = [811537, 811600, 900001, 900002, 900003];

/** Imports a catalog file as `resell catalog import` does: check, then one transaction. */
async function importCatalog(catalog: unknown, files?: Record<string, string>): Promise<ImportSummary> {
  const { dir, file } = writeCatalogDir(catalog, files);
  const raw: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  const checked = await t.app.catalog.checkCatalogFile(raw, dir);
  return t.app.db.transaction().execute((tx) => t.app.catalog.importCatalogFile(tx, checked, 'cli'));
}

async function refusalOf(catalog: unknown, files?: Record<string, string>): Promise<CatalogFileRefused> {
  const error = await importCatalog(catalog, files).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(CatalogFileRefused);
  return error as CatalogFileRefused;
}

async function tableCounts() {
  const count = async (table: 'products' | 'publishers' | 'categories' | 'operating_systems' | 'product_files' | 'audit_log' | 'settings') =>
    Number((await t.app.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return {
    products: await count('products'), publishers: await count('publishers'), categories: await count('categories'),
    operatingSystems: await count('operating_systems'), files: await count('product_files'), audit: await count('audit_log'), settings: await count('settings'),
  };
}

const NOTHING = { products: 0, publishers: 0, categories: 0, operatingSystems: 0, files: 0, audit: 0, settings: 0 };

describe('catalog file import', () => {
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(() => t.close());

  it('stores every attribute of the catalog file exactly as findProducts reads it back', async () => {
    const summary = await importCatalog(fullCatalog());
    expect(summary).toEqual({ inserted: 5, updated: 0, unchanged: 0, rejected: [] });

    const products = await findProducts(t.app.db, REFS);
    const setupSha = sha256(SETUP_CONTENT);
    const now = '2026-06-15T10:00:00.000Z';
    const setupFile = { label: 'Installer', type: 'install', group: 'win', storePath: `${setupSha}/setup.exe`, originUrl: null, sizeBytes: Buffer.byteLength(SETUP_CONTENT), sha256: setupSha };
    expect(products.get(811537)).toEqual({
      ref: 811537, publisherId: 12, type: 1, status: 'on_sale', releaseDate: '2026-01-15',
      texts: {
        en: { name: 'Cobalt Office Home', shortDescription: 'Office suite', longDescription: '<p>The <b>office</b> suite.</p>' },
        fr: { name: 'Cobalt Office Famille', shortDescription: 'Suite bureautique', longDescription: null },
      },
      categoryIds: [7467, 7466], osIds: [64, 63], version: '2026', numberOfUsers: 3, licenseLifetime: 'P1Y',
      ean: '5026555057011', drm: 'Cobalt Pass (Cobalt)', keywords: 'office, suite',
      flags: { new: true, top: false, promo: true },
      images: { small: 'img/s.png', medium: 'img/m.png', big: 'img/b.png' },
      screenshots: ['img/1.png', 'img/2.png'],
      systemRequirements: { memoryMb: 4096, diskMb: 4000 },
      prices: [
        { currency: 'EUR', retailer: 3000, public: 4999, sale: 4499, renewal: 3999 },
        { currency: 'JPY', retailer: 4000, public: 7000, sale: 6500, renewal: 6500 },
        { currency: 'USD', retailer: 3150, public: 5499, sale: 4999, renewal: 4499 },
      ],
      delivery: {
        serialsPerUnit: 2, serialSource: 'pool', serialPattern: null, lowStockThreshold: 25,
        remark: 'Activate with {email} and order {orderNumber}.', digitalLockerLink: 'https://locker.example.com/cobalt',
        downloadManager: true, newSerialEachTerm: true,
      },
      files: [
        { id: expect.any(Number), ...setupFile },
        { id: expect.any(Number), label: 'Manual', type: 'doc', group: '', storePath: null, originUrl: 'https://cdn.example.com/manual.pdf', sizeBytes: 1960000, sha256: 'a'.repeat(64) },
      ],
      subscription: { period: 'P1Y' },
      option: null,
      optionRefs: [900001, 900002, 900003], crossSellRefs: [811600], upSellRefs: [811600],
      createdAt: now, updatedAt: now,
    } satisfies Product);

    // Absent keys take the documented defaults.
    expect(products.get(811600)).toMatchObject({
      type: 4, status: 'pre_order', releaseDate: '2027-02-01',
      texts: { en: { name: 'Fennel Quest', shortDescription: null, longDescription: null } },
      categoryIds: [], osIds: [], version: null, numberOfUsers: null, licenseLifetime: null, ean: null, drm: null, keywords: null,
      flags: { new: false, top: false, promo: false }, images: { small: null, medium: null, big: null }, screenshots: [],
      systemRequirements: { memoryMb: null, diskMb: null }, prices: [],
      delivery: { serialsPerUnit: 1, serialSource: 'generated', serialPattern: 'FQ-XXXX-XXXX', lowStockThreshold: 10, remark: null, digitalLockerLink: null, downloadManager: false, newSerialEachTerm: false },
      files: [], subscription: null, option: null, optionRefs: [], crossSellRefs: [], upSellRefs: [],
    });
    expect(products.get(900001)).toMatchObject({ type: 1, status: 'on_sale', categoryIds: [7500], option: { kind: 'download_extension', duration: 'P1Y' }, delivery: { serialsPerUnit: 0, serialSource: 'none' } });
    expect(products.get(900002)).toMatchObject({ option: { kind: 'backup_dvd', duration: null }, delivery: { serialsPerUnit: 0, serialSource: 'none', downloadManager: false } });
    expect(products.get(900003)).toMatchObject({
      type: 3, status: 'end_of_life', option: { kind: 'download_dvd', duration: null },
      files: [{ ...setupFile, label: 'ISO', group: '' }], delivery: { downloadManager: true },
    });

    expect([...(await findPublishers(t.app.db, [12, 13])).values()]).toEqual([
      { id: 12, name: 'Cobalt Works', mustProposeDvd: true },
      { id: 13, name: 'Fennel Games', mustProposeDvd: false },
    ]);
    expect(await getMasterLanguage(t.app.db)).toBe('fr');
    expect(await listCategories(t.app.db, 'en')).toEqual([
      { id: 7466, label: 'Security', subcategories: [{ id: 7467, label: 'Antivirus' }] },
      { id: 7500, label: 'Options', subcategories: [] },
    ]);
    expect((await listCategories(t.app.db, 'fr'))[0]!.label).toBe('Sécurité');
    expect(await listOperatingSystems(t.app.db)).toEqual([{ id: 63, label: 'Win 10 32/64 bits' }, { id: 64, label: 'macOS 14' }]);
  });

  it('copies a local file into the content-addressed file store with its size and SHA-256', async () => {
    await importCatalog(fullCatalog());
    const [file] = (await findProducts(t.app.db, [811537])).get(811537)!.files;
    const stored = fs.readFileSync(path.join(t.app.config.fileStoreDir, ...file!.storePath!.split('/')));
    expect(stored.toString()).toBe(SETUP_CONTENT);
    expect(file!.sizeBytes).toBe(stored.length);
    expect(file!.sha256).toBe(sha256(stored));
    expect(file!.storePath).toBe(`${sha256(stored)}/setup.exe`);
    // Two products sharing the file share one copy.
    expect(fs.readdirSync(t.app.config.fileStoreDir)).toEqual([sha256(stored)]);
  });

  it('audits every change with the actor of the import', async () => {
    await importCatalog(fullCatalog());
    const entries = await t.app.db.selectFrom('audit_log').select(['actor', 'action', 'subject']).execute();
    expect(entries.every((e) => e.actor === 'cli')).toBe(true);
    expect(entries.map((e) => `${e.action} ${e.subject}`)).toEqual(expect.arrayContaining([
      'setting.changed setting:catalog.master_language', 'publisher.created publisher:12', 'category.created category:7467',
      'os.created os:63', 'product.created product:811537', 'product.created product:900003', 'catalog.imported catalog',
    ]));
  });

  it('changes nothing when the same file is imported twice: 0 inserted, 0 updated, every product unchanged', async () => {
    await importCatalog(fullCatalog());
    const before = await findProducts(t.app.db, REFS);
    const auditBefore = (await tableCounts()).audit;
    t.clock.advance(DAY);

    const again = await importCatalog(fullCatalog());
    expect(again).toEqual({ inserted: 0, updated: 0, unchanged: 5, rejected: [] });
    expect(await findProducts(t.app.db, REFS)).toEqual(before);
    // Only the import's own summary entry is added: no publisher, category or product was touched.
    expect((await tableCounts()).audit).toBe(auditBefore + 1);
  });

  it('counts as updated only the products whose data changed, and keeps their file ids', async () => {
    await importCatalog(fullCatalog());
    const before = (await findProducts(t.app.db, [811537])).get(811537)!;
    t.clock.advance(DAY);
    const changed = fullCatalog();
    (changed.products[0]!.prices as { sale: number }[])[1]!.sale = 42.5;
    changed.products[1]!.screenshots = ['img/quest.png'];

    expect(await importCatalog(changed)).toEqual({ inserted: 0, updated: 2, unchanged: 3, rejected: [] });
    const after = (await findProducts(t.app.db, [811537])).get(811537)!;
    expect(after.prices.find((p) => p.currency === 'EUR')!.sale).toBe(4250);
    expect(after.files.map((f) => f.id)).toEqual(before.files.map((f) => f.id));
    expect(after.createdAt).toBe(before.createdAt);
    expect(after.updatedAt).toBe('2026-06-16T10:00:00.000Z');
    const audit = await t.app.db.selectFrom('audit_log').select('detail').where('action', '=', 'product.updated').where('subject', '=', 'product:811537').executeTakeFirstOrThrow();
    expect(JSON.parse(audit.detail)).toEqual({ changed: ['prices'] });
  });

  it('refuses an unknown key with its JSON path and writes nothing', async () => {
    const catalog = fullCatalog();
    catalog.products[1]!.delivery = { serialSorce: 'pool' };
    const refusal = await refusalOf(catalog);
    expect(refusal.problems).toContainEqual({ path: 'products[1].delivery.serialSorce', message: 'unknown key' });
    expect(refusal.message).toContain('products[1].delivery.serialSorce: unknown key');
    expect(await tableCounts()).toEqual(NOTHING);
    expect(fs.existsSync(t.app.config.fileStoreDir)).toBe(false);
  });

  it('refuses unknown keys anywhere, including inside nullable objects and at the top', async () => {
    const catalog = fullCatalog() as Record<string, unknown> & { products: Record<string, unknown>[] };
    catalog.extra = 1;
    catalog.products[0]!.option = { kind: 'backup_dvd', durration: 'P1Y' };
    (catalog.categories as Record<string, unknown>[])[0]!.subcategories = [{ id: 7467, labels: { en: 'x' }, parent: 1 }];
    const paths = (await refusalOf(catalog)).problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['extra', 'products[0].option.durration', 'categories[0].subcategories[0].parent']));
  });

  const valueCases: [string, (c: ReturnType<typeof fullCatalog>) => void, string][] = [
    ['a currency that is not ISO 4217', (c) => { (c.products[0]!.prices as { currency: string }[])[0]!.currency = 'EUX'; }, 'products[0].prices[0].currency'],
    ['more decimals than the currency has (JPY)', (c) => { (c.products[0]!.prices as { retailer: number }[])[2]!.retailer = 4000.5; }, 'products[0].prices[2].retailer'],
    ['more decimals than the currency has (EUR)', (c) => { (c.products[0]!.prices as { sale: number }[])[1]!.sale = 44.999; }, 'products[0].prices[1].sale'],
    ['a subscription period that is not an ISO 8601 duration', (c) => { c.products[0]!.subscription = { period: 'yearly' }; }, 'products[0].subscription.period'],
    ['a licence lifetime that is not an ISO 8601 duration', (c) => { c.products[0]!.licenseLifetime = '1 year'; }, 'products[0].licenseLifetime'],
    ['a download extension without a duration', (c) => { c.products[2]!.option = { kind: 'download_extension' }; }, 'products[2].option.duration'],
    ['a release date that does not exist', (c) => { c.products[0]!.releaseDate = '2026-02-30'; }, 'products[0].releaseDate'],
    ['a pre-order without release date', (c) => { c.products[1]!.releaseDate = null; }, 'products[1].releaseDate'],
    ['a language code in upper case', (c) => { c.products[1]!.names = { EN: 'Fennel Quest' }; }, 'products[1].names.EN'],
    ['a status outside the three', (c) => { c.products[1]!.status = 'sold_out'; }, 'products[1].status'],
    ['a product type outside 1, 3, 4', (c) => { c.products[1]!.type = 2; }, 'products[1].type'],
    ['serials with serial source none', (c) => { c.products[2]!.delivery = { serialsPerUnit: 1, serialSource: 'none' }; }, 'products[2].delivery.serialsPerUnit'],
    ['a generated source without pattern', (c) => { c.products[1]!.delivery = { serialSource: 'generated' }; }, 'products[1].delivery.serialPattern'],
    ['a ref given twice', (c) => { c.products[1]!.ref = 811537; }, 'products[1].ref'],
    ['a category id given twice', (c) => { (c.categories as { id: number }[])[1]!.id = 7467; }, 'categories[0].subcategories[0].id'],
    ['a file with both path and url', (c) => { (c.products[0]!.files as Record<string, unknown>[])[0]!.url = 'https://cdn.example.com/x'; }, 'products[0].files[0]'],
    ['a local file that does not exist', (c) => { (c.products[0]!.files as Record<string, unknown>[])[0]!.path = 'files/missing.exe'; }, 'products[0].files[0].path'],
    ['a local file whose given SHA-256 differs', (c) => { (c.products[0]!.files as Record<string, unknown>[])[0]!.sha256 = 'b'.repeat(64); }, 'products[0].files[0].sha256'],
  ];
  for (const [what, mutate, expectedPath] of valueCases) {
    it(`refuses ${what} with its JSON path and writes nothing`, async () => {
      const catalog = fullCatalog();
      mutate(catalog);
      expect((await refusalOf(catalog)).problems.map((p) => p.path)).toContain(expectedPath);
      expect(await tableCounts()).toEqual(NOTHING);
    });
  }

  const referenceCases: [string, (c: ReturnType<typeof fullCatalog>) => void, string][] = [
    ['an unknown publisher', (c) => { c.products[1]!.publisherId = 999; }, 'products[1].publisherId'],
    ['an unknown category', (c) => { c.products[0]!.categoryIds = [7467, 1]; }, 'products[0].categoryIds[1]'],
    ['an unknown operating system', (c) => { c.products[0]!.osIds = [99]; }, 'products[0].osIds[0]'],
    ['an option ref to a product that is not an option', (c) => { c.products[0]!.optionRefs = [811600]; }, 'products[0].optionRefs[0]'],
    ['a cross-sell ref to an unknown product', (c) => { c.products[0]!.crossSellRefs = [123456]; }, 'products[0].crossSellRefs[0]'],
    ['an up-sell ref to an unknown product', (c) => { c.products[0]!.upSellRefs = [123456]; }, 'products[0].upSellRefs[0]'],
  ];
  for (const [what, mutate, expectedPath] of referenceCases) {
    it(`refuses a broken reference (${what}) with its JSON path and writes nothing`, async () => {
      const catalog = fullCatalog();
      mutate(catalog);
      expect((await refusalOf(catalog)).problems.map((p) => p.path)).toContain(expectedPath);
      expect(await tableCounts()).toEqual(NOTHING);
      expect(fs.existsSync(t.app.config.fileStoreDir)).toBe(false);
    });
  }

  it('accepts references to publishers, categories, systems and products already in the catalog', async () => {
    await importCatalog(fullCatalog());
    const summary = await importCatalog({
      products: [{ ref: 811700, publisherId: 13, names: { en: 'Fennel Quest Deluxe' }, categoryIds: [7467], osIds: [63], optionRefs: [900001], upSellRefs: [811600] }],
    });
    expect(summary).toEqual({ inserted: 1, updated: 0, unchanged: 0, rejected: [] });
  });
});

describe('resell catalog import', () => {
  let cli: CliHarness;
  beforeEach(async () => {
    cli = await cliHarness();
  });
  afterEach(() => cli.close());

  const products = (refs: number[]) => findProducts(cli.app.db, refs);
  const productCount = async () => Number((await cli.app.db.selectFrom('products').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('imports a catalog JSON file and prints {inserted, updated, rejected} with --json; a second run inserts nothing', async () => {
    const { file } = writeCatalogDir(fullCatalog());
    const first = await cli.run('catalog', 'import', file, '--json');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ inserted: 5, updated: 0, rejected: [] });
    const second = await cli.run('catalog', 'import', file, '--json');
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({ inserted: 0, updated: 0, rejected: [] });
    const audit = await cli.app.db.selectFrom('audit_log').select('actor').distinct().execute();
    expect(audit.map((a) => a.actor)).toEqual(['cli']);
  });

  it('reads a catalog file path relative to the working folder and prints a summary for a person', async () => {
    const { dir } = writeCatalogDir(fullCatalog());
    fs.cpSync(dir, path.join(cli.dataDir, 'shop'), { recursive: true });
    const run = await cli.run('catalog', 'import', 'shop/catalog.json');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/inserted\s+5/);
    expect(run.stdout).toMatch(/unchanged\s+0/);
  });

  it('refuses a catalog file with an unknown key: exit 1, the JSON path on stderr, nothing stored', async () => {
    const catalog = fullCatalog();
    (catalog.products[3] as Record<string, unknown>).delivery = { serialSorce: 'none' };
    const { file } = writeCatalogDir(catalog);
    const run = await cli.run('catalog', 'import', file, '--json');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('products[3].delivery.serialSorce: unknown key');
    expect(await productCount()).toBe(0);
  });

  it('refuses a file that is not JSON, and a missing file, with exit 1', async () => {
    const bad = path.join(cli.dataDir, 'broken.json');
    fs.writeFileSync(bad, '{"products": [');
    expect((await cli.run('catalog', 'import', bad)).code).toBe(1);
    const missing = await cli.run('catalog', 'import', path.join(cli.dataDir, 'nowhere.json'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nowhere.json');
  });

  it('imports the Nexway CSV layout, skips a bad row with its line number and exits 2', async () => {
    const run = await cli.run('catalog', 'import', fixturePath('nexway-sample.csv'), '--json');
    expect(run.code).toBe(2);
    const result = JSON.parse(run.stdout) as { inserted: number; updated: number; rejected: { line: number; reason: string }[] };
    // The header is line 1; row 811538 spans lines 3 and 4 (a line break in its HTML), so 811539 starts on line 5.
    expect(result).toEqual({ inserted: 3, updated: 0, rejected: [{ line: 5, reason: expect.stringContaining('12.345') }] });
    expect(result.rejected[0]!.reason).toContain('Price (w/o tax)');
    expect(run.stderr).toContain('columns not imported: Misc');

    const stored = await products([811537, 811538, 811539, 811540]);
    expect(stored.has(811539)).toBe(false);
    expect(stored.get(811537)).toMatchObject({
      publisherId: 501, type: 1, status: 'on_sale', releaseDate: '2026-01-15', version: '9.1', ean: '5012345678900', licenseLifetime: 'P1Y',
      texts: { en: { name: 'Lumen Backup Pro', shortDescription: 'Back up every PC of the house', longDescription: "<p>The <b>safest</b> backup: it's fast &amp; quiet.</p>" } },
      prices: [{ currency: 'EUR', sale: 2999, public: 3999, retailer: 2999, renewal: null }],
      flags: { new: true, promo: false, top: true },
      images: { small: 'lumen/backup-small.png', medium: null, big: null },
      screenshots: ['lumen/backup-1.png', 'lumen/backup-2.png'],
      delivery: { serialSource: 'none', serialsPerUnit: 0, lowStockThreshold: 10 },
    });
    expect(stored.get(811538)).toMatchObject({
      texts: { fr: { name: "Lumen 'Quick' Sync", shortDescription: 'Synchronise deux dossiers', longDescription: "<p>Synchronisation\nen temps réel, l'outil qu'il vous faut.</p>" } },
      prices: [{ currency: 'EUR', sale: 1450, public: 1990 }],
      licenseLifetime: null, flags: { new: false, promo: true, top: false },
    });
    expect(stored.get(811540)).toMatchObject({ type: 3, prices: [{ currency: 'EUR', sale: 0, public: 0, retailer: 0 }] });

    // Publishers, categories (by label path) and operating systems were created from the rows, once each.
    expect([...(await findPublishers(cli.app.db, [501, 502])).values()].map((p) => p.name)).toEqual(['Lumen Tools', 'Orbit Games']);
    const tree = await listCategories(cli.app.db, 'en');
    expect(tree.map((c) => [c.label, c.subcategories.map((s) => s.label)])).toEqual([['Software', ['Backup']], ['Games', []]]);
    expect(stored.get(811537)!.categoryIds).toEqual(stored.get(811538)!.categoryIds);
    expect(stored.get(811540)!.categoryIds).toEqual([tree[1]!.id]);
    const systems = await listOperatingSystems(cli.app.db);
    expect(systems.map((o) => o.label)).toEqual(['Windows 10', 'macOS 13']);
    expect(stored.get(811537)!.osIds).toEqual(systems.map((o) => o.id));
  });

  it('refuses a CSV whose header does not match the given --format, with exit 1 and nothing stored', async () => {
    const run = await cli.run('catalog', 'import', fixturePath('nexway-sample.csv'), '--format', '2.4');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('nexway-csv');
    expect(await productCount()).toBe(0);
    expect((await cli.run('catalog', 'import', fixturePath('nexway-sample.csv'), '--format', 'xml')).code).toBe(1);
  });

  it('imports our 2.4 columns, with one description pair per language, lists, sizes, prices and status', async () => {
    const run = await cli.run('catalog', 'import', fixturePath('catalog-2.4-all.csv'), '--format', '2.4', '--json');
    expect(run.stderr).not.toContain('unexpected');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ inserted: 3, updated: 0, rejected: [] });
    expect(run.stderr).toContain('columns not imported: Misc, Creation date');
    expect(run.stderr).toMatch(/catalog import: 100% read, 3 rows/);

    const stored = await products([620001, 620002, 620003]);
    expect(stored.get(620001)).toMatchObject({
      publisherId: 77, licenseLifetime: 'P1Y', keywords: 'notes, writing', numberOfUsers: 2, version: '4.0', ean: '4006381333931', type: 1,
      releaseDate: '2026-01-10', status: 'on_sale', subscription: { period: 'P1Y' },
      texts: {
        en: { name: 'Harbor Notes', shortDescription: 'Take notes, everywhere', longDescription: '<p>Notes that <b>sync</b>, "always".</p>' },
        fr: { name: null, shortDescription: 'Prenez des notes partout', longDescription: '<p>Des notes synchronisées.</p>' },
        de: { name: null, shortDescription: 'Notizen überall', longDescription: '<p>Notizen, die synchronisieren.</p>' },
      },
      images: { small: 'img/s.png', medium: 'img/m.png', big: 'img/b.png' },
      screenshots: ['https://cdn.example.com/shot1.png', 'https://cdn.example.com/shot2.png'],
      categoryIds: [7001, 7002], osIds: [63, 64],
      prices: [{ currency: 'EUR', sale: 1999, public: 2499, retailer: 1200, renewal: 1999 }],
      systemRequirements: { memoryMb: 2048, diskMb: 500 },
      flags: { new: true, top: false, promo: true },
    });
    expect(stored.get(620002)).toMatchObject({
      type: 4, status: 'pre_order', releaseDate: '2031-05-01', subscription: null,
      prices: [{ currency: 'JPY', sale: 1500, public: 1500, retailer: 900, renewal: null }],
      texts: { en: { name: 'Harbor Tasks' }, fr: { name: null, shortDescription: "Tâches d'équipe" } },
    });
    expect(Object.keys(stored.get(620002)!.texts)).toEqual(['en', 'fr']);
    expect(stored.get(620003)!.status).toBe('end_of_life');
    // Categories and systems named only by id are created with a placeholder label.
    expect(await listCategories(cli.app.db, 'en')).toEqual([
      { id: 7001, label: 'Category 7001', subcategories: [] }, { id: 7002, label: 'Category 7002', subcategories: [] },
    ]);
  });

  it('updates existing refs from a CSV with the columns it has and keeps what CSV does not carry', async () => {
    const { file } = writeCatalogDir(fullCatalog());
    expect((await cli.run('catalog', 'import', file)).code).toBe(0);
    const before = (await products([811537])).get(811537)!;
    const csv = path.join(cli.dataDir, 'update.csv');
    fs.writeFileSync(csv, [
      'Product ID;Publisher ID;Name;Language;Price wo.VAT;Price public wo.VAT;Currency;Retailer price;Retailer price Currency;Top',
      '811537;12;Cobalt Office Home 2027;en;39.99;49.99;EUR;29.00;EUR;1',
      '811600;13;Fennel Quest;en;;;;;;0',
    ].join('\n'));

    const run = await cli.run('catalog', 'import', csv, '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ inserted: 0, updated: 1, rejected: [] });
    const after = (await products([811537])).get(811537)!;
    expect(after.texts.en!.name).toBe('Cobalt Office Home 2027');
    expect(after.texts.fr).toEqual(before.texts.fr);
    expect(after.prices).toEqual([
      { currency: 'EUR', retailer: 2900, public: 4999, sale: 3999, renewal: 3999 },
      ...before.prices.filter((p) => p.currency !== 'EUR'),
    ]);
    expect(after.flags.top).toBe(true);
    expect({ ...after, texts: before.texts, prices: before.prices, flags: before.flags, updatedAt: before.updatedAt }).toEqual(before);
  });

  it('rejects rows that break catalog rules, with their lines, and stores the others', async () => {
    const csv = path.join(cli.dataDir, 'rows.csv');
    fs.writeFileSync(csv, [
      '"Product ID","Publisher name","Name","Price wo.VAT","Currency","Status","Release date","Code_EAN"',
      '"700001","Kite Labs","Kite One","10.00","EUR","on_sale","",""',
      '"700002","","No Publisher","10.00","EUR","on_sale","",""',
      '"700003","Kite Labs","Kite Soon","10.00","EUR","pre_order","",""',
      '"abc","Kite Labs","Bad ref","10.00","EUR","on_sale","",""',
      '"700005","Kite Labs","Kite Five","10.00","EUX","on_sale","",""',
      '"700006","Kite Labs","Kite Six","10.00","EUR","on_sale","","12AB"',
      '"700007","Kite Labs","Kite Seven","10.00","EUR","removed","",""',
      '"700008","Kite Labs","Kite Eight","10.00","EUR","on_sale","2026-01-01",""',
    ].join('\r\n'));
    const run = await cli.run('catalog', 'import', csv, '--json');
    expect(run.code).toBe(2);
    const result = JSON.parse(run.stdout) as { inserted: number; rejected: { line: number; reason: string }[] };
    expect(result.inserted).toBe(2);
    expect(result.rejected.map((r) => r.line)).toEqual([3, 4, 5, 6, 7]);
    expect(run.stderr).toContain('5 row(s) rejected');
    // Kite Labs was created once, with the next free id, and both good rows point at it.
    const stored = await products([700001, 700008]);
    expect(stored.get(700001)!.publisherId).toBe(stored.get(700008)!.publisherId);
  });
});
