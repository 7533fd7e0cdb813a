import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { DAY, HOUR } from '../support/clock.js';
import { onPostgres } from '../support/database.js';
import { killStrayProcesses, openShop, raceClients, startServer, type PartnerCredentials, type ServerProcess, type Shop } from './support.js';

// Exactly-once renewal (quality.md §Reliability checks; rules.md §Subscriptions; connect-api.md §7):
// 1,000 subscriptions due at once, renewed by worker processes (`resell renew --now <after expiry>
// --json`, the renewal job run once, as the worker role runs it every minute) while a partner process
// sends renew calls over real HTTP for a third of the same subscriptions, two racing calls each (one
// POST, one PUT). Every subscription must come out renewed exactly once for its term, by exactly one
// of them. PostgreSQL: 2 worker processes and a `--role api` server on one database (product.md: tests
// with several worker processes run there). SQLite: the same scenario with one worker process beside
// the single `--role all` server on the same file (its own renewal job runs on the real clock, when
// nothing is due yet).
//
// Time: the server answers renew calls with the real clock, and a partner may renew from expiration −
// min(30 days, one period). The product's period is one week (P1W), so a subscription bought now
// through createOrder expires in 7 days and its renew window opens at the moment of purchase: the
// orders go through the real API at the real time, the partner's calls are inside the window, and the
// workers are given a time one hour after the last expiration. A term renewed by either side ends a
// week later still (anchor + 2 weeks), beyond the workers' time and with its next window not yet open,
// so neither side can renew a second term in this run: every "lost" call answers 1013.
//
// Each renewal issues a new serial (newSerialEachTerm) from a pool of exactly 2,000 keys: 1,000 for the
// orders, 1,000 for the renewals, so a key claimed twice or kept by a rolled-back attempt shows up as a
// renewal refused for stock (1044 or RENEWAL_FAILED) with keys still free.

const REF = 763_001;
const SUBSCRIPTIONS = 1000;
const UNITS_PER_ORDER = 100;
const ORDERS = SUBSCRIPTIONS / UNITS_PER_ORDER;
const KEYS = 2 * SUBSCRIPTIONS;
const WORKERS = onPostgres ? 2 : 1;
/** The partner renews every third subscription. */
const PARTNER_EVERY = 3;
const CALLS_PER_TARGET = 2;
const TARGETS_IN_FLIGHT = 16;
const WEEK = 7 * DAY;

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const RENEW_CLIENT = fileURLToPath(new URL('./renew-client.mjs', import.meta.url));

let shop: Shop;
let server: ServerProcess | undefined;
const children = new Set<ChildProcess>();

/** A child process of this file; its stdout and stderr are kept, and it is killed in afterAll if still running. */
function launch(args: string[], env: Record<string, string>): { child: ChildProcess; stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => { stdout += String(chunk); });
  child.stderr!.on('data', (chunk) => { stderr += String(chunk); });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    children.delete(child);
    resolve(code);
  }));
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

type RenewalRun = { renewed: number; failed: number; expired: number };

/** `resell renew --now <iso> --json` in its own process: what it printed, once it exited with 0. */
function runWorker(now: string): Promise<RenewalRun> {
  const worker = launch([MAIN, 'renew', '--now', now, '--json'], shop.env);
  worker.child.stdin!.end();
  return worker.exit.then((code) => {
    if (code !== 0) throw new Error(`resell renew ended with ${code}:\n${worker.stderr()}`);
    return JSON.parse(worker.stdout()) as RenewalRun;
  });
}

type Target = { partnerOrderNumber: string; subscriptionId: number };
type RenewAnswer = {
  partnerOrderNumber: string | null; subscriptionId: number | null; orderNumber: number | null; generation: number | null;
  expiration_datetime: string | null; responseCode: number; responseMessage: string;
};
type RenewCall = { target: number; call: number; status?: number; body?: RenewAnswer; error?: string };

/** renew-client.mjs in its own process: ready once it holds its token; go() releases its calls. */
function startRenewClient(partner: PartnerCredentials, url: string, targets: Target[]) {
  const client = launch([RENEW_CLIENT, JSON.stringify({
    server: url, realmName: partner.realmName, clientSecret: partner.clientSecret, posSecret: partner.secret,
    targets, callsPerTarget: CALLS_PER_TARGET, concurrency: TARGETS_IN_FLIGHT, waitForGo: true,
  })], {});
  const calls: RenewCall[] = [];
  let done = false;
  let markReady: () => void = () => {};
  const readyLine = new Promise<void>((resolve) => { markReady = resolve; });
  let markAnswered: () => void = () => {};
  const answered = new Promise<void>((resolve) => { markAnswered = resolve; });
  readline.createInterface({ input: client.child.stdout! }).on('line', (line) => {
    const parsed = JSON.parse(line) as RenewCall & { ready?: true; done?: true };
    if (parsed.ready) markReady();
    else if (parsed.done) done = true;
    else {
      calls.push(parsed);
      markAnswered();
    }
  });
  const finished = client.exit.then((code) => {
    if (code !== 0 || !done) throw new Error(`renew client ended with ${code} after ${calls.length} calls:\n${client.stderr()}`);
    return calls;
  });
  finished.catch(() => {});
  const endedEarly = (what: string) => finished.then(() => { throw new Error(`renew client ended before ${what}`); });
  return {
    ready: Promise.race([readyLine, endedEarly('it was ready')]),
    go: () => { client.child.stdin!.end('go\n'); },
    /** Resolves once the client has printed its first answer (fails when it ends without one). */
    firstAnswer: Promise.race([answered, endedEarly('its first answer')]),
    finished,
  };
}

beforeAll(async () => {
  shop = await openShop([{ ref: REF, keys: KEYS }]);
  // openShop imports a plain pool product; the operator makes it a weekly subscription with a new
  // serial each term by importing the product again (`resell catalog import` updates it, keys kept).
  const file = path.join(shop.env.DATA_DIR!, 'subscription.json');
  fs.writeFileSync(file, JSON.stringify({
    publishers: [{ id: 1, name: 'Publisher One' }],
    products: [{
      ref: REF, publisherId: 1, names: { en: 'Weekly subscription' },
      prices: [{ currency: 'EUR', retailer: 10, public: 25, sale: 20, renewal: 18 }],
      delivery: { serialSource: 'pool', serialsPerUnit: 1, newSerialEachTerm: true },
      subscription: { period: 'P1W' },
    }],
  }));
  let stdout = '';
  let stderr = '';
  const code = await runCli(['catalog', 'import', file, '--json'], {
    stdout: { write: (text: string) => { stdout += text; return true; } },
    stderr: { write: (text: string) => { stderr += text; return true; } },
    env: shop.env,
    cwd: shop.env.DATA_DIR!,
  });
  if (code !== 0) throw new Error(`catalog import ended with ${code}: ${stderr}`);
  expect(JSON.parse(stdout)).toMatchObject({ inserted: 0, updated: 1, rejected: [] });
  server = await startServer(shop.env, onPostgres ? 'api' : 'all');
});

afterAll(async () => {
  await server?.stop();
  for (const child of children) child.kill('SIGKILL');
  await killStrayProcesses();
  await shop?.close();
});

describe(`exactly-once renewal with ${WORKERS} worker process${WORKERS > 1 ? 'es' : ''} (${onPostgres ? 'PostgreSQL' : 'SQLite'}) and a partner renewing over HTTP`, () => {
  it(`renews each of ${SUBSCRIPTIONS} due subscriptions exactly once for its term, by a worker or by one partner call; the losing calls answer 1013`, async () => {
    const { db } = shop.app;
    const serverLog = () => server!.output().slice(0, 3000);

    // 1,000 subscriptions: 10 orders of 100 units through createOrder, at the real time.
    const placed = await raceClients([{
      servers: [server!.url], partner: shop.partner, count: ORDERS, concurrency: 2,
      lines: [{ productRef: REF, quantity: UNITS_PER_ORDER }], ponPrefix: 'WEEKLY',
    }]);
    expect(placed.map((r) => [r.status, r.body?.responseCode]), serverLog()).toEqual(placed.map(() => [201, 0]));
    const subscriptions = await db.selectFrom('subscriptions').selectAll().orderBy('subscription_id').execute();
    expect(subscriptions).toHaveLength(SUBSCRIPTIONS);
    for (const s of subscriptions) {
      expect(s).toMatchObject({ status: 'ACTIVE', generation: 0, period: 'P1W', expiration_at: new Date(Date.parse(s.anchor_at) + WEEK).toISOString() });
    }
    const byId = new Map(subscriptions.map((s) => [s.subscription_id, s]));
    const lastExpiration = Math.max(...subscriptions.map((s) => Date.parse(s.expiration_at)));
    const workerNow = new Date(lastExpiration + HOUR).toISOString();
    // The workers' time is after every first term and before every second one ends.
    expect(subscriptions.every((s) => Date.parse(s.anchor_at) + 2 * WEEK > Date.parse(workerNow))).toBe(true);

    // The partner renews every third subscription from the highest id down, the workers sweep up from
    // the lowest, so the two sides meet mid-range whatever their speeds: before the meeting each side
    // renews its own, after it each finds the other's renewals. The workers start once the partner has
    // its first answer, so both sides surely renew some (asserted below).
    const targets: Target[] = subscriptions.filter((_, i) => i % PARTNER_EVERY === 0).reverse()
      .map((s) => ({ partnerOrderNumber: s.partner_order_number, subscriptionId: s.subscription_id }));
    const client = startRenewClient(shop.partner, server!.url, targets);
    await client.ready;
    client.go();
    await client.firstAnswer;
    const [runs, calls] = await Promise.all([Promise.all(Array.from({ length: WORKERS }, () => runWorker(workerNow))), client.finished]);

    // The workers: renewals only, nothing failed or expired.
    for (const run of runs) expect(run).toEqual({ renewed: expect.any(Number), failed: 0, expired: 0 });

    // The partner's calls: every one answered 200 with 0 (it renewed) or 1013 (the term was renewed
    // already), never 500 or 1044; at most one 0 per subscription, and its answer is the new term.
    expect(calls).toHaveLength(targets.length * CALLS_PER_TARGET);
    expect(calls.filter((c) => c.status !== 200 || ![0, 1013].includes(c.body!.responseCode)), serverLog()).toEqual([]);
    const won = calls.filter((c) => c.body!.responseCode === 0);
    const lost = calls.filter((c) => c.body!.responseCode === 1013);
    expect(lost.map((c) => c.body)).toEqual(lost.map((c) => ({
      ...targets[c.target], orderNumber: null, generation: null, expiration_datetime: null, responseCode: 1013, responseMessage: expect.any(String),
    })));
    const wonTargets = won.map((c) => c.target);
    expect(new Set(wonTargets).size).toBe(wonTargets.length);
    for (const c of won) {
      const { partnerOrderNumber, subscriptionId } = targets[c.target]!;
      const expiration = new Date(Date.parse(byId.get(subscriptionId)!.anchor_at) + 2 * WEEK).toISOString().replace(/\.\d{3}Z$/, 'Z');
      expect(c.body).toEqual({
        partnerOrderNumber: `${partnerOrderNumber}-${subscriptionId}-1`, subscriptionId, orderNumber: expect.any(Number),
        generation: 1, expiration_datetime: expiration, responseCode: 0, responseMessage: 'OK',
      });
    }
    // Every renewal was done by exactly one side: what the workers report plus the partner's wins. The
    // partner won at least its first target (no worker existed yet); the workers renewed at least every
    // subscription the partner left alone.
    const byWorkers = runs.reduce((sum, run) => sum + run.renewed, 0);
    expect(byWorkers + won.length).toBe(SUBSCRIPTIONS);
    expect(won.length).toBeGreaterThanOrEqual(1);
    expect(byWorkers).toBeGreaterThanOrEqual(SUBSCRIPTIONS - targets.length);

    // The store: one term row (generation 1) per subscription, each pointing at its own renewal order.
    const terms = await db.selectFrom('subscription_terms').selectAll().execute();
    expect(terms).toHaveLength(SUBSCRIPTIONS);
    expect(terms.every((t) => t.generation === 1)).toBe(true);
    expect(new Set(terms.map((t) => t.subscription_id))).toEqual(new Set(byId.keys()));
    expect(new Set(terms.map((t) => t.order_number)).size).toBe(SUBSCRIPTIONS);
    const termOrder = new Map(terms.map((t) => [t.subscription_id, t.order_number]));
    for (const c of won) expect(c.body!.orderNumber).toBe(termOrder.get(targets[c.target]!.subscriptionId));

    // Each subscription: generation 1, ACTIVE, one period further from the old expiration, its current
    // order the term's; none left behind (ACTIVE and expired at the workers' time), none failed.
    const after = await db.selectFrom('subscriptions').selectAll().orderBy('subscription_id').execute();
    expect(after.filter((s) => s.status !== 'ACTIVE' || s.expiration_at <= workerNow)).toEqual([]);
    expect(after.map((s) => [s.subscription_id, s.generation, s.status, s.expiration_at, s.current_order_number, s.current_partner_order_number, s.grace_ends_at]))
      .toEqual(subscriptions.map((s) => [
        s.subscription_id, 1, 'ACTIVE', new Date(Date.parse(s.anchor_at) + 2 * WEEK).toISOString(), termOrder.get(s.subscription_id),
        `${s.partner_order_number}-${s.subscription_id}-1`, null,
      ]));

    // Exactly 1,000 renewal orders, numbered {pon}-{subscriptionId}-1 (the orders hold 100 subscriptions
    // each), one unit of the product for its subscription, one ledger entry each.
    const renewals = await db.selectFrom('orders as o')
      .innerJoin('order_lines as l', 'l.order_number', 'o.order_number')
      .innerJoin('line_items as i', 'i.order_line_id', 'l.id')
      .select(['o.order_number', 'o.partner_order_number', 'l.product_ref', 'l.quantity', 'i.id as line_item_id', 'i.subscription_id'])
      .where('o.kind', '=', 'renewal')
      .execute();
    expect(renewals).toHaveLength(SUBSCRIPTIONS);
    expect(new Set(renewals.map((r) => r.partner_order_number)).size).toBe(SUBSCRIPTIONS);
    expect(new Set(renewals.map((r) => r.order_number)).size).toBe(SUBSCRIPTIONS);
    for (const r of renewals) {
      const s = byId.get(r.subscription_id!)!;
      expect(r).toMatchObject({ order_number: termOrder.get(s.subscription_id), partner_order_number: `${s.partner_order_number}-${s.subscription_id}-1`, product_ref: REF, quantity: 1 });
    }
    const ledger = await db.selectFrom('ledger_entries').select('order_number').where('kind', '=', 'renewal').execute();
    expect(ledger.map((e) => e.order_number).sort((a, b) => a - b)).toEqual(renewals.map((r) => r.order_number).sort((a, b) => a - b));

    // A new serial per term: all 2,000 keys taken, each by its own unit (1,000 orders, 1,000 renewals).
    const keys = await db.selectFrom('serial_keys').select(['line_item_id', 'assigned_at']).where('product_ref', '=', REF).execute();
    expect(keys).toHaveLength(KEYS);
    expect(keys.filter((k) => k.line_item_id === null || k.assigned_at === null)).toEqual([]);
    expect(new Set(keys.map((k) => k.line_item_id)).size).toBe(KEYS);
    const renewalItems = new Set(renewals.map((r) => r.line_item_id));
    expect(keys.filter((k) => renewalItems.has(k.line_item_id!))).toHaveLength(SUBSCRIPTIONS);

    // One subscription.renewed event per subscription, for generation 1; no failure.
    const events = await db.selectFrom('outbox_events').select(['type', 'payload']).where('type', 'like', 'subscription.%').execute();
    expect(events.filter((e) => e.type !== 'subscription.renewed')).toEqual([]);
    const renewedEvents = events.map((e) => (JSON.parse(e.payload) as { data: { subscriptionId: number; generation: number; orderNumber: number } }).data);
    expect(renewedEvents.map((d) => [d.subscriptionId, d.generation, d.orderNumber]).sort((a, b) => a[0]! - b[0]!))
      .toEqual([...termOrder].sort((a, b) => a[0] - b[0]).map(([id, order]) => [id, 1, order]));

    // Who renewed: the audit log records a partner's renewal; they are exactly the calls answered 0.
    const byPartner = await db.selectFrom('audit_log').select('subject').where('action', '=', 'subscription.renewed').where('actor', 'like', 'partner:%').execute();
    expect(byPartner.map((a) => a.subject).sort()).toEqual(won.map((c) => `subscription:${targets[c.target]!.subscriptionId}`).sort());
  }, 110_000);
});
