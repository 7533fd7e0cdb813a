import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { loadDemoCatalog, loadDemoKeys } from '../../src/demo/load-demo.js';
import type { PosSettings } from '../../src/domains/partners/index.js';
import { buildServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { fixedClock, type FixedClock } from './clock.js';
import { freshDatabase, onPostgres } from './database.js';

export type TestApp = {
  app: App;
  server: FastifyInstance;
  clock: FixedClock;
  given: Given;
  /** Every log line the server wrote, for tests that check what logs must not carry. */
  logs: string[];
  dataDir: string;
  /** A second app on the same database, with connections of its own (as another process's); the caller closes it. */
  otherApp(): App;
  close(): Promise<void>;
};

/** A partner as tests use it: ids, credentials and ready-made Connect headers. */
export type TestPartner = {
  partnerId: number;
  posId: number;
  realmName: string;
  clientSecret: string;
  posSecret: string;
  /** A fresh access token from the token service. */
  token(): Promise<string>;
  /** `authorization` and `secret` headers for a Connect call. */
  headers(): Promise<Record<string, string>>;
};

export type Given = ReturnType<typeof givenFor>;

/**
 * A server on a fresh database built by the real migrations, with a fixed clock and captured logs.
 * Each test file gets its own (its own PostgreSQL schema when TEST_DATABASE_URL is set).
 */
export async function startTestApp(options: { now?: string; env?: Record<string, string> } = {}): Promise<TestApp> {
  const database = await freshDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'resell-test-'));
  const config = loadConfig({
    // A file on SQLite, as the product runs: reads then go through the read-only connection and its caches.
    DATABASE_URL: onPostgres ? database.url : `sqlite:${path.join(dataDir, 'resell.db')}`,
    DATA_DIR: dataDir,
    SIGNING_KEY: randomBytes(32).toString('hex'),
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'info',
    PUBLIC_URL: 'http://resell.test',
    ...options.env,
  });
  const clock = fixedClock(options.now ?? '2026-06-15T10:00:00.000Z');
  const logs: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } });
  const appOptions = { clock, ...(database.schema ? { database: { schema: database.schema, poolSize: 4 } } : {}) };
  const app = createApp(config, appOptions);
  let server: FastifyInstance;
  try {
    await migrateToLatest(app.db);
    server = await buildServer(app, createLogger('info', sink));
    await server.ready();
  } catch (error) {
    // A failed start must not leave its schema behind for later runs.
    await app.close();
    await database.drop();
    throw error;
  }
  return {
    app,
    server,
    clock,
    logs,
    dataDir,
    given: givenFor(app, server),
    otherApp: () => createApp(config, appOptions),
    close: async () => {
      await server.close();
      await app.close();
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let partnerCount = 0;

/** Small builders: each test makes the data it needs, nothing shared between tests. */
export function givenFor(app: App, server: FastifyInstance) {
  return {
    /** A partner with one POS (defaults of `partner create` unless `pos` says otherwise). */
    async partner(options: { name?: string; pos?: PosSettings } = {}): Promise<TestPartner> {
      const name = options.name ?? `Partner ${++partnerCount} ${randomBytes(3).toString('hex')}`;
      const created = await app.db.transaction().execute((tx) => app.partners.createPartner(tx, name, options.pos ?? {}, 'test'));
      const token = async () => {
        const res = await server.inject({ method: 'POST', url: '/iam/tokens', payload: { realmName: created.partner.realmName, clientSecret: created.clientSecret, grantType: 'client_credentials' } });
        if (res.statusCode !== 200) throw new Error(`token refused: ${res.statusCode} ${res.body}`);
        return (res.json() as { access_token: string }).access_token;
      };
      return {
        partnerId: created.partner.id,
        posId: created.pos.id,
        realmName: created.partner.realmName,
        clientSecret: created.clientSecret,
        posSecret: created.posSecret,
        token,
        headers: async () => ({ authorization: `Bearer ${await token()}`, secret: created.posSecret }),
      };
    },
  };
}

/** A Connect call as a partner makes it, from `ip` (loopback unless given). */
export async function connectCall(
  server: FastifyInstance,
  partner: TestPartner,
  request: { method: InjectOptions['method']; url: string; body?: unknown; ip?: string; headers?: Record<string, string> },
): Promise<LightMyRequestResponse> {
  return server.inject({
    method: request.method,
    url: request.url,
    headers: { ...(await partner.headers()), ...request.headers },
    ...(request.body !== undefined && { payload: request.body as InjectOptions['payload'] }),
    ...(request.ip && { remoteAddress: request.ip }),
  });
}

/**
 * A test app on the demo catalog (and its keys, with `keys`) with two partners alike: the one a test
 * calls as, and another, whose orders the first must not reach.
 */
export async function startDemoShop(options: { now: string; keys?: boolean; pos?: PosSettings }): Promise<{ t: TestApp; partner: TestPartner; other: TestPartner }> {
  const t = await startTestApp({ now: options.now });
  await loadDemoCatalog(t.app);
  if (options.keys) await loadDemoKeys(t.app);
  const settings = options.pos ? { pos: options.pos } : {};
  return { t, partner: await t.given.partner(settings), other: await t.given.partner(settings) };
}
