import fs from 'node:fs';
import path from 'node:path';
import type { App } from './app.js';
import type { Config } from './config.js';
import type { Db } from './db/schema.js';
import type { DemoCredentials } from './demo/load-demo.js';

/** Loads the demo dataset into an empty database and returns the demo partner's credentials. */
export type DemoLoader = (app: App) => Promise<DemoCredentials>;

export const FIRST_RUN_FILE = 'first-run.txt';

/** Whether the database holds neither partners nor products: the only state in which the demo is loaded. */
export async function isEmptyDatabase(db: Db): Promise<boolean> {
  const partner = await db.selectFrom('partners').select('id').limit(1).executeTakeFirst();
  const product = await db.selectFrom('products').select('ref').limit(1).executeTakeFirst();
  return partner === undefined && product === undefined;
}

/**
 * The first run of `start`: on an empty database with the demo enabled, loads the demo, writes the
 * URLs and demo credentials to `<DATA_DIR>/first-run.txt` (mode 0600) and prints them once to `stderr`
 * (not through the logger, which never carries secrets). Returns the credentials, or undefined when
 * it was not a first run. Throws what the loader throws.
 */
export async function runFirstRun(
  app: App,
  options: { demo: boolean; loadDemo: DemoLoader; stderr: { write(text: string): unknown } },
): Promise<DemoCredentials | undefined> {
  if (!options.demo || !(await isEmptyDatabase(app.db))) return undefined;
  const credentials = await options.loadDemo(app);
  const product = await app.db.selectFrom('products').select('ref').orderBy('ref').limit(1).executeTakeFirst();
  const text = firstRunText(app.config, credentials, product?.ref);
  const file = path.join(app.config.dataDir, FIRST_RUN_FILE);
  fs.mkdirSync(app.config.dataDir, { recursive: true });
  fs.writeFileSync(file, text, { mode: 0o600 });
  fs.chmodSync(file, 0o600); // the mode above only applies when the file is new
  options.stderr.write(`\n${text}\n(Saved in ${file}, readable by you only. A restart does not show these secrets again.)\n\n`);
  return credentials;
}

/** What a first run tells the operator: the URLs, the demo partner's secrets and a first call to try. */
export function firstRunText(config: Pick<Config, 'publicUrl'>, demo: DemoCredentials, productRef = 1): string {
  const url = config.publicUrl;
  const tokenBody = JSON.stringify({ realmName: demo.realmName, clientSecret: demo.clientSecret, grantType: 'client_credentials' });
  return [
    'resell is ready, with demo data.',
    '',
    `  partner API (Nexway Connect v3.0)  ${url}/connect`,
    `  token service                      ${url}/iam/tokens`,
    `  API docs                           ${url}/docs`,
    '',
    'Demo partner',
    `  realm          ${demo.realmName}`,
    `  client secret  ${demo.clientSecret}`,
    `  POS secret     ${demo.posSecret}`,
    `  product feed   ${demo.feedUrl}`,
    '',
    'Try it: get a token, then ask for the stock of a demo product',
    `  TOKEN=$(curl -s -X POST ${url}/iam/tokens -H 'content-type: application/json' \\`,
    `    -d '${tokenBody}' | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).access_token')`,
    `  curl -s -X POST ${url}/connect/stock -H "authorization: Bearer $TOKEN" -H 'secret: ${demo.posSecret}' \\`,
    `    -H 'content-type: application/json' -d '{"productRefs": [${productRef}]}'`,
    '',
  ].join('\n');
}
