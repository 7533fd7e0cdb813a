import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Db, Tx } from '../../src/db/schema.js';
import { uniqueName, urlWithSearchPath } from '../cli/cli-harness.js';
import { runResell } from '../cli/cli-harness.js';
import { freshDatabase, onPostgres } from '../support/database.js';
import { freePort } from '../support/net.js';

// Real processes for the reliability checks (quality.md §Reliability checks): `resell start` servers
// built from the current sources (the vitest globalSetup compiles dist/), and partner shops in their own
// processes (order-client.mjs). Everything waits on events (a line of output, an exit, an answer) or
// polls the condition itself (/healthz while a server boots); no delay ever stands in for one.

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const ORDER_CLIENT = fileURLToPath(new URL('./order-client.mjs', import.meta.url));

const running = new Set<ChildProcess>();

/** Start attempts before a server is reported as failed (a free port may be taken meanwhile). */
const START_ATTEMPTS = 4;

type Exit = { code: number | null; signal: NodeJS.Signals | null };

function exitOf(child: ChildProcess): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Kills (SIGKILL) every server and client process a test left running, and waits for them to end. */
export async function killStrayProcesses(): Promise<void> {
  const left = [...running];
  for (const child of left) child.kill('SIGKILL');
  await Promise.all(left.map(exitOf));
}


export type ServerProcess = {
  url: string;
  process: ChildProcess;
  /** What the process printed so far (its log at level `error`): shown when an assertion fails. */
  output(): string;
  /** SIGKILL, as a power cut or the OOM killer would: no shutdown code runs. Resolves once it is gone. */
  crash(): Promise<Exit>;
  /** SIGTERM, then waits for the graceful stop. */
  stop(): Promise<Exit>;
};

/**
 * Starts `resell start` with a shop's environment (its database and data folder) on a free loopback port, and
 * resolves once it answers GET /healthz with 200. Role `all` is the embedded SQLite setup; `api` is one
 * of several HTTP processes on PostgreSQL. A port taken between the probe and the listen is retried.
 */
export async function startServer(env: Record<string, string>, role: 'all' | 'api' = 'all'): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let output = '';
    const child = track(spawn(process.execPath, [MAIN, 'start', '--role', role, '--no-demo'], {
      env: { PATH: process.env.PATH ?? '', ...env, HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: url, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }));
    child.stdout!.on('data', (chunk) => { output += String(chunk); });
    child.stderr!.on('data', (chunk) => { output += String(chunk); });
    const server: ServerProcess = {
      url,
      process: child,
      output: () => output,
      crash: async () => {
        child.kill('SIGKILL');
        return exitOf(child);
      },
      stop: async () => {
        child.kill('SIGTERM');
        return exitOf(child);
      },
    };
    if (await becameHealthy(url, child)) return server;
    await exitOf(child);
    if (!output.includes('EADDRINUSE') || attempt === START_ATTEMPTS) throw new Error(`resell start did not come up:\n${output}`);
  }
}

/** Polls /healthz until it answers 200 (true) or the process ends (false). */
async function becameHealthy(url: string, child: ChildProcess): Promise<boolean> {
  const ended = exitOf(child).then(() => false);
  for (;;) {
    const answer = await Promise.race([
      fetch(`${url}/healthz`).then((res) => (res.status === 200 ? true : undefined), () => undefined),
      ended,
    ]);
    if (answer !== undefined) return answer;
    // Not listening yet (refused at once) or not ready: ask again shortly, leaving the CPU to the boot.
    await delay(25);
  }
}

/** A partner as `resell partner create --json` prints it. */
/**
 * The servers of a race over one shop: two API processes on PostgreSQL (they share the database),
 * one process doing everything on SQLite (one writer by design).
 */
export function startShopServers(shop: Shop): Promise<ServerProcess[]> {
  return Promise.all(Array.from({ length: onPostgres ? 2 : 1 }, () => startServer(shop.env, onPostgres ? 'api' : 'all')));
}

/** The start of each server's output, to show beside a failed assertion. */
export function serverLogs(servers: readonly ServerProcess[]): string {
  return servers.map((s, i) => `server ${i}:\n${s.output().slice(0, 3000)}`).join('\n');
}

/** Stops the servers, kills what the test left running, and removes the shop. */
export async function closeShop(servers: readonly ServerProcess[], shop: Shop | undefined): Promise<void> {
  await Promise.all(servers.map((s) => s.stop()));
  await killStrayProcesses();
  await shop?.close();
}

export type PartnerCredentials = { partnerId: number; posId: number; realmName: string; clientSecret: string; secret: string };

export type PoolProduct = { ref: number; keys: number; serialsPerUnit?: number };

/** A platform set up as an operator does it, through the CLI: a partner, pool products and their keys. */
export type Shop = {
  /** The environment of every `resell` process of this shop (database, data folder, shared keys). */
  env: Record<string, string>;
  /** An App on the same database, to read back what the processes stored. */
  app: App;
  partner: PartnerCredentials;
  /** The imported keys of each product, in file order. */
  keys: Map<number, string[]>;
  close(): Promise<void>;
};

/**
 * A fresh data folder and database (a SQLite file, or its own PostgreSQL schema under
 * TEST_DATABASE_URL, with SIGNING_KEY and ENCRYPTION_KEY every process shares) with a partner
 * (`resell partner create --json`), the products (`resell catalog import`: EUR, a key pool each) and
 * their keys (`resell keys import --product`), each command run as an operator runs it.
 */
export async function openShop(products: PoolProduct[]): Promise<Shop> {
  const database = await freshDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'resell-reliability-'));
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...(onPostgres
      ? { DATABASE_URL: urlWithSearchPath(database.url, database.schema!), SIGNING_KEY: randomBytes(32).toString('hex'), ENCRYPTION_KEY: randomBytes(32).toString('hex') }
      : { DATABASE_URL: `sqlite:${path.join(dataDir, 'resell.db')}` }),
  };
  let app: App | undefined;
  const close = async () => {
    await app?.close();
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const resell = async <T>(...argv: string[]): Promise<T> => {
    const { code, stdout, stderr } = await runResell(argv, env, dataDir);
    if (code !== 0) throw new Error(`resell ${argv.join(' ')} ended with ${code}: ${stderr}`);
    return JSON.parse(stdout) as T;
  };
  try {
    const partner = await resell<PartnerCredentials>('partner', 'create', '--name', uniqueName('Reliable'), '--json');
    const catalogFile = path.join(dataDir, 'catalog.json');
    fs.writeFileSync(catalogFile, JSON.stringify({
      publishers: [{ id: 1, name: 'Publisher One' }],
      products: products.map((p) => ({
        ref: p.ref,
        publisherId: 1,
        names: { en: `Product ${p.ref}` },
        prices: [{ currency: 'EUR', retailer: 10, public: 25, sale: 20 }],
        delivery: { serialSource: 'pool', serialsPerUnit: p.serialsPerUnit ?? 1 },
      })),
    }));
    const imported = await resell<{ inserted: number }>('catalog', 'import', catalogFile, '--json');
    if (imported.inserted !== products.length) throw new Error(`catalog import inserted ${imported.inserted} products`);
    const keys = new Map<number, string[]>();
    for (const product of products) {
      const list = Array.from({ length: product.keys }, (_, i) => `KEY-${product.ref}-${String(i + 1).padStart(6, '0')}`);
      const file = path.join(dataDir, `keys-${product.ref}.txt`);
      fs.writeFileSync(file, `${list.join('\n')}\n`);
      const counts = await resell<{ inserted: number }>('keys', 'import', '--product', String(product.ref), file, '--json');
      if (counts.inserted !== product.keys) throw new Error(`keys import inserted ${counts.inserted} of ${product.keys} keys`);
      keys.set(product.ref, list);
    }
    // The commands migrated the database; this App only reads (and decrypts keys with the same key).
    app = createApp(loadConfig(env), { database: { poolSize: 2 } });
    return { env, app, partner, keys, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** An order as createOrder and getOrderData answer it (the parts these tests read). */
export type OrderAnswer = {
  partnerOrderNumber: string | null;
  orderNumber: number | null;
  orderLines: { productRef: number; lineItems: { serials: { data: string }[] }[] }[];
  downloadManager: unknown;
  responseCode: number;
  responseMessage: string;
};

/** One createOrder call of a client process: its answer, or `error` when none came. */
export type CallResult = { i: number; pon: string; server: number; status?: number; body?: OrderAnswer; error?: string };

export type ClientConfig = {
  servers: string[];
  partner: PartnerCredentials;
  count: number;
  concurrency: number;
  lines: { productRef: number; quantity: number }[];
  ponPrefix?: string;
  partnerOrderNumber?: string;
};

export type OrderClient = {
  /** Resolves when the client holds its token and waits for go(). */
  ready: Promise<void>;
  go(): void;
  /** Called for each answer (or failed call) as soon as the client prints it. */
  onResult(listener: (result: CallResult) => void): void;
  /** Every call's result, once the client printed its last line and exited with 0. */
  finished: Promise<CallResult[]>;
};

/** Starts order-client.mjs in its own process; it gets its own token, then waits for go(). */
export function startOrderClient(config: ClientConfig): OrderClient {
  const child = track(spawn(process.execPath, [ORDER_CLIENT, JSON.stringify({
    servers: config.servers,
    realmName: config.partner.realmName,
    clientSecret: config.partner.clientSecret,
    posSecret: config.partner.secret,
    count: config.count,
    concurrency: config.concurrency,
    lines: config.lines,
    ponPrefix: config.ponPrefix,
    partnerOrderNumber: config.partnerOrderNumber,
    waitForGo: true,
  })], { stdio: ['pipe', 'pipe', 'pipe'] }));
  let stderr = '';
  child.stderr!.on('data', (chunk) => { stderr += String(chunk); });
  const results: CallResult[] = [];
  const listeners: ((result: CallResult) => void)[] = [];
  let done = false;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => { markReady = resolve; });
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    const parsed = JSON.parse(line) as CallResult & { ready?: true; done?: true };
    if (parsed.ready) markReady();
    else if (parsed.done) done = true;
    else {
      results.push(parsed);
      for (const listener of listeners) listener(parsed);
    }
  });
  const exited = exitOf(child);
  const finished = exited.then(({ code, signal }) => {
    if (code !== 0 || !done) throw new Error(`order client ended (code ${code}, signal ${signal}) after ${results.length} results:\n${stderr}`);
    return results;
  });
  // A client killed after a failed test must not raise an unhandled rejection; awaiting `finished` still throws.
  finished.catch(() => {});
  return {
    ready: Promise.race([ready, finished.then(() => { throw new Error('order client ended before it was ready'); })]),
    go: () => { child.stdin!.end('go\n'); },
    onResult: (listener) => { listeners.push(listener); },
    finished,
  };
}

/** Starts the clients, lets them all fetch a token, then releases them together so their calls race. */
export async function raceClients(configs: ClientConfig[], onResult?: (result: CallResult) => void): Promise<CallResult[]> {
  const clients = configs.map(startOrderClient);
  if (onResult) for (const client of clients) client.onResult(onResult);
  await Promise.all(clients.map((c) => c.ready));
  for (const client of clients) client.go();
  return (await Promise.all(clients.map((c) => c.finished))).flat();
}

/** The serials of an answered order, per line item, in answer order. */
export function serialsOf(answer: OrderAnswer): string[][] {
  return answer.orderLines.flatMap((line) => line.lineItems.map((item) => item.serials.map((s) => s.data)));
}

/** A Connect call from the test process itself (reading back after the race), with a fresh token. */
export async function connectSession(url: string, partner: PartnerCredentials) {
  const grant = await fetch(`${url}/iam/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ realmName: partner.realmName, clientSecret: partner.clientSecret, grantType: 'client_credentials' }),
  });
  if (grant.status !== 200) throw new Error(`token refused: ${grant.status}`);
  const { access_token: token } = await grant.json() as { access_token: string };
  return {
    async getOrder(pon: string): Promise<{ status: number; body: OrderAnswer }> {
      const res = await fetch(`${url}/connect/order/${encodeURIComponent(pon)}`, { headers: { authorization: `Bearer ${token}`, secret: partner.secret } });
      return { status: res.status, body: await res.json() as OrderAnswer };
    },
  };
}

const count = (rows: { n: number | string | bigint }[]) => Number(rows[0]!.n);

/** How many rows a table has. */
export async function countRows(db: Db, table: 'orders' | 'order_lines' | 'line_items' | 'serial_keys' | 'ledger_entries' | 'outbox_events' | 'partners'): Promise<number> {
  return count(await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).execute());
}

/**
 * Runs reads in one snapshot of the database (a repeatable-read transaction on PostgreSQL; a read
 * transaction in WAL mode on SQLite), so a commit landing meanwhile cannot make them disagree.
 */
export function inSnapshot<T>(db: Db, read: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().setIsolationLevel('repeatable read').execute(read);
}

/**
 * Everything that would show a torn order or a key both free and taken, as readable problems (none
 * when the store is whole): a key with exactly one of assigned_at / line_item_id; a key tied to a line
 * item that does not exist; an order without lines, ledger entry or order.created event; a line whose
 * order, or a line item whose line, does not exist; a line with other than `quantity` line items; a
 * line item with other than serials_per_unit keys of its line's product. Read it in one snapshot (inSnapshot).
 */
export async function storeProblems(tx: Tx): Promise<string[]> {
  const orders = await tx.selectFrom('orders').select(['order_number']).execute();
  const lines = await tx.selectFrom('order_lines').select(['id', 'order_number', 'product_ref', 'quantity']).execute();
  const items = await tx.selectFrom('line_items').select(['id', 'order_line_id']).execute();
  const keys = await tx.selectFrom('serial_keys').select(['id', 'product_ref', 'assigned_at', 'line_item_id']).execute();
  const products = await tx.selectFrom('products').select(['ref', 'serials_per_unit']).execute();
  const ledger = await tx.selectFrom('ledger_entries').select(['order_number']).where('kind', '=', 'order').execute();
  const events = await tx.selectFrom('outbox_events').select(['payload']).where('type', '=', 'order.created').execute();
  const problems: string[] = [];
  const orderNumbers = new Set(orders.map((o) => o.order_number));
  const lineById = new Map(lines.map((l) => [l.id, l]));
  const perUnit = new Map(products.map((p) => [p.ref, p.serials_per_unit]));
  const itemsOfLine = new Map<number, number>();
  const keysOfItem = new Map<number, { product_ref: number }[]>();
  for (const key of keys) {
    if ((key.assigned_at === null) !== (key.line_item_id === null)) {
      problems.push(`key ${key.id}: assigned_at ${key.assigned_at}, line_item_id ${key.line_item_id}`);
    }
    if (key.line_item_id !== null) keysOfItem.set(key.line_item_id, [...(keysOfItem.get(key.line_item_id) ?? []), key]);
  }
  const itemIds = new Set(items.map((i) => i.id));
  for (const itemId of keysOfItem.keys()) if (!itemIds.has(itemId)) problems.push(`keys tied to line item ${itemId}, which does not exist`);
  for (const item of items) {
    const line = lineById.get(item.order_line_id);
    if (!line) {
      problems.push(`line item ${item.id} of line ${item.order_line_id}, which does not exist`);
      continue;
    }
    itemsOfLine.set(line.id, (itemsOfLine.get(line.id) ?? 0) + 1);
    const tied = keysOfItem.get(item.id) ?? [];
    const wanted = perUnit.get(line.product_ref);
    if (tied.length !== wanted || tied.some((k) => k.product_ref !== line.product_ref)) {
      problems.push(`line item ${item.id} (order ${line.order_number}) holds ${tied.length} keys, wants ${wanted} of product ${line.product_ref}`);
    }
  }
  const ordersWithLines = new Set<number>();
  for (const line of lines) {
    ordersWithLines.add(line.order_number);
    if (!orderNumbers.has(line.order_number)) problems.push(`line ${line.id} of order ${line.order_number}, which does not exist`);
    if ((itemsOfLine.get(line.id) ?? 0) !== line.quantity) {
      problems.push(`line ${line.id} (order ${line.order_number}) has ${itemsOfLine.get(line.id) ?? 0} line items for quantity ${line.quantity}`);
    }
  }
  const ledgerCount = new Map<number, number>();
  for (const entry of ledger) ledgerCount.set(entry.order_number, (ledgerCount.get(entry.order_number) ?? 0) + 1);
  const eventCount = new Map<number, number>();
  for (const event of events) {
    const { orderNumber } = (JSON.parse(event.payload) as { data?: { orderNumber?: number } }).data ?? {};
    if (orderNumber !== undefined) eventCount.set(orderNumber, (eventCount.get(orderNumber) ?? 0) + 1);
  }
  for (const order of orderNumbers) {
    if (!ordersWithLines.has(order)) problems.push(`order ${order} has no line`);
    if (ledgerCount.get(order) !== 1) problems.push(`order ${order} has ${ledgerCount.get(order) ?? 0} ledger entries`);
    if (eventCount.get(order) !== 1) problems.push(`order ${order} has ${eventCount.get(order) ?? 0} order.created events`);
  }
  for (const order of ledgerCount.keys()) if (!orderNumbers.has(order)) problems.push(`ledger entry of order ${order}, which does not exist`);
  return problems;
}
