import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from '../app.js';
import { readKeyFile } from '../domains/stock/index.js';

/** Credentials of the demo partner, printed once at first run. */
export type DemoCredentials = { partnerId: number; posId: number; realmName: string; clientSecret: string; posSecret: string; feedUrl: string };

/** Who the audit log names for what the demo loader creates. */
export const DEMO_ACTOR = 'demo';

export const DEMO_PARTNER_NAME = 'Demo Shop';

/**
 * The package's `demo/` folder: found by walking up from this module to the folder holding
 * package.json, so it is the same whether the code runs from src/ (tests) or dist/ (npm start).
 */
export function demoDirectory(from: string = fileURLToPath(import.meta.url)): string {
  let dir = path.dirname(from);
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}: cannot find the demo dataset`);
    dir = parent;
  }
  return path.join(dir, 'demo');
}

/** Imports demo/catalog.json (and its local files) in one transaction; throws CatalogFileRefused if it is broken. */
export async function loadDemoCatalog(app: App, dir = demoDirectory()): Promise<void> {
  const raw: unknown = JSON.parse(await fs.promises.readFile(path.join(dir, 'catalog.json'), 'utf8'));
  const checked = await app.catalog.checkCatalogFile(raw, dir);
  await app.db.transaction().execute((tx) => app.catalog.importCatalogFile(tx, checked, DEMO_ACTOR));
}

/** Imports every `demo/keys/<ref>.txt` (one key per line) into the key pool of product `<ref>`. */
export async function loadDemoKeys(app: App, dir = demoDirectory()): Promise<void> {
  const keysDir = path.join(dir, 'keys');
  const files = (await fs.promises.readdir(keysDir)).filter((name) => /^\d+\.txt$/.test(name)).sort();
  for (const name of files) {
    const input = fs.createReadStream(path.join(keysDir, name));
    try {
      await app.stock.importKeys(app.db, Number(name.slice(0, -'.txt'.length)), readKeyFile(input, 'lines'), { actor: DEMO_ACTOR });
    } finally {
      input.destroy();
    }
  }
}

/**
 * Loads the demo catalog, its keys and a demo partner ("Demo Shop") with one POS (EUR, FR, fr and
 * en) and a CSV feed of its whole catalog into an empty database, and returns the partner's
 * credentials and feed URL. The partner comes last: a database holding it has the whole demo.
 */
export async function loadDemo(app: App): Promise<DemoCredentials> {
  const dir = demoDirectory();
  await loadDemoCatalog(app, dir);
  await loadDemoKeys(app, dir);
  const { created, feed } = await app.db.transaction().execute(async (tx) => {
    const created = await app.partners.createPartner(tx, DEMO_PARTNER_NAME, { currency: 'EUR', countries: ['FR'], languages: ['fr', 'en'] }, DEMO_ACTOR);
    const feed = await app.feeds.createFeed(tx, created.partner.id, created.pos.id, { name: 'Demo catalog' }, DEMO_ACTOR);
    return { created, feed };
  });
  return {
    partnerId: created.partner.id,
    posId: created.pos.id,
    realmName: created.partner.realmName,
    clientSecret: created.clientSecret,
    posSecret: created.posSecret,
    feedUrl: app.feeds.feedUrl(feed.list, feed.format).replace('{secret}', created.posSecret),
  };
}
