import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Caller } from '../../src/domains/partners/index.js';
import type { PlaceOrderInput } from '../../src/domains/orders/index.js';
import { DAY, fixedClock, HOUR, type FixedClock } from '../support/clock.js';
import { givenKeys, givenProduct } from '../support/products.js';
import { cliHarness, uniqueName, type CliHarness } from './cli-harness.js';

// `resell renew [--now <iso>] [--json]` (product.md CLI): runs the due renewals, retries and expiries
// once and prints {"renewed","failed","expired"}. Orders are placed through the orders service of an
// App on the command's database, with a fixed clock; the command then acts at --now.

const START = '2026-05-31T10:00:00.000Z';
/** START + P1Y: when the yearly subscriptions below come due. */
const EXPIRY = '2027-05-31T10:00:00.000Z';

let cli: CliHarness;
let clock: FixedClock;
let app: App;
let caller: Caller;

beforeEach(async () => {
  cli = await cliHarness();
  clock = fixedClock(START);
  app = createApp(loadConfig(cli.env), { clock, database: { poolSize: 2 } });
  const created = await app.db.transaction().execute((tx) => app.partners.createPartner(tx, uniqueName(), {}, 'test'));
  caller = { partner: created.partner, pos: created.pos };
});
afterEach(async () => {
  await app.close();
  await cli.close();
});

let count = 0;

/** Places an order of `quantity` units of `productRef` through the service; returns its number and subscription ids. */
async function placeOrder(productRef: number, quantity = 1): Promise<{ partnerOrderNumber: string; subscriptionIds: number[] }> {
  const partnerOrderNumber = `CLI-RENEW-${++count}`;
  const input: PlaceOrderInput = {
    partnerOrderNumber, orderDate: '2026-05-31T12:00:00+02:00', currency: 'EUR', marketingProgramId: null, affiliateId: null,
    lines: [{ productRef, quantity, vatRate: null, amountDutyFree: null, amountTotal: null, endUserEmail: null, discounts: [] }],
    customer: {
      email: 'jane.doe@example.com', language: { language: 'fr', country: 'FR' }, partnerId: null, ipV4: null, ipV6: null, locationDelivery: null,
      locationInvoice: { title: null, lastName: 'Doe', firstName: 'Jane', companyName: null, address1: '1 rue de la Paix', address2: null, zipCode: '75002', city: 'Paris', country: 'FR', province: null, phone: null, fax: null },
    },
    payment: null, discounts: [], metadata: [],
  };
  const placed = await app.db.transaction().execute((tx) => app.orders.placeOrder(tx, caller, input));
  const subscriptionIds = placed.lines.flatMap((l) => l.items.map((i) => i.subscriptionId)).filter((id): id is number => id !== null);
  return { partnerOrderNumber, subscriptionIds };
}

const yearly = (serialSource: 'generated' | 'pool') => givenProduct(app.db, {
  subscriptionPeriod: 'P1Y', serialSource, newSerialEachTerm: serialSource === 'pool',
  prices: [{ currency: 'EUR', retailer: 2000, public: 3999, sale: 2999, renewal: 2499 }],
}).then((p) => p.ref);

/** Two subscriptions that renew, one that fails (its pool had one key), one cancelled that expires: all due at EXPIRY. */
async function givenDueSubscriptions(): Promise<{ ids: number[] }> {
  const renewing = await placeOrder(await yearly('generated'), 2);
  const pooled = await yearly('pool');
  await givenKeys(app, pooled, 1);
  const failing = await placeOrder(pooled);
  const cancelled = await placeOrder(await yearly('generated'));
  await app.db.transaction().execute((tx) => app.subscriptions.cancelSubscription(tx, caller, cancelled.partnerOrderNumber, cancelled.subscriptionIds[0]!));
  return { ids: [...renewing.subscriptionIds, ...failing.subscriptionIds, ...cancelled.subscriptionIds] };
}

async function statuses(ids: readonly number[]): Promise<{ status: string; generation: number }[]> {
  const rows = await app.db.selectFrom('subscriptions').select(['subscription_id', 'status', 'generation']).where('subscription_id', 'in', [...ids]).orderBy('subscription_id').execute();
  return rows.map((r) => ({ status: r.status, generation: r.generation }));
}

const at = (iso: string, plusMs: number) => new Date(new Date(iso).getTime() + plusMs).toISOString();

describe('resell renew --now <iso> --json', () => {
  it('prints exactly {"renewed","failed","expired"} with the counts of what came due', async () => {
    const { ids } = await givenDueSubscriptions();
    const result = await cli.run('renew', '--now', EXPIRY, '--json');
    expect(result).toEqual({ code: 0, stdout: '{"renewed":2,"failed":1,"expired":1}\n', stderr: '' });
    expect(await statuses(ids)).toEqual([
      { status: 'ACTIVE', generation: 1 }, { status: 'ACTIVE', generation: 1 }, { status: 'RENEWAL_FAILED', generation: 0 }, { status: 'EXPIRED', generation: 0 },
    ]);
  });

  it('does nothing before the first expiration, and nothing twice', async () => {
    await givenDueSubscriptions();
    expect((await cli.run('renew', '--now', at(EXPIRY, -1), '--json')).stdout).toBe('{"renewed":0,"failed":0,"expired":0}\n');
    expect((await cli.run('renew', '--now', EXPIRY, '--json')).stdout).toBe('{"renewed":2,"failed":1,"expired":1}\n');
    expect((await cli.run('renew', '--now', EXPIRY, '--json')).stdout).toBe('{"renewed":0,"failed":0,"expired":0}\n');
  });

  it('counts a failed retry after 6 hours, then the expiry at the end of grace', async () => {
    const { ids } = await givenDueSubscriptions();
    await cli.json('renew', '--now', EXPIRY, '--json');
    expect(await cli.json('renew', '--now', at(EXPIRY, 6 * HOUR), '--json')).toEqual({ renewed: 0, failed: 1, expired: 0 });
    expect(await cli.json('renew', '--now', at(EXPIRY, 7 * DAY), '--json')).toEqual({ renewed: 0, failed: 0, expired: 1 });
    expect((await statuses(ids))[2]).toEqual({ status: 'EXPIRED', generation: 0 });
  });

  it('reads --now with an offset as the instant it names', async () => {
    await givenDueSubscriptions();
    expect(await cli.json('renew', '--now', '2027-05-31T11:59:59.999+02:00', '--json')).toEqual({ renewed: 0, failed: 0, expired: 0 });
    expect(await cli.json('renew', '--now', '2027-05-31T12:00:00+02:00', '--json')).toEqual({ renewed: 2, failed: 1, expired: 1 });
  });

  it('prints the same counts for a person without --json', async () => {
    await givenDueSubscriptions();
    const result = await cli.run('renew', '--now', EXPIRY);
    expect(result).toEqual({ code: 0, stdout: 'renewed  2\nfailed   1\nexpired  1\n', stderr: '' });
  });

  for (const bad of ['yesterday', '2027-02-30T10:00:00Z', '2027-05-31', '2027-05-31T10:00:00', '2027-13-01T00:00:00Z', '']) {
    it(`exits 1 with one line on stderr and changes nothing for --now ${JSON.stringify(bad)}`, async () => {
      const { ids } = await givenDueSubscriptions();
      const before = await statuses(ids);
      const result = await cli.run('renew', '--now', bad, '--json');
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.endsWith('\n')).toBe(true);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(await statuses(ids)).toEqual(before);
    });
  }

  it('exits 1 with one line when --now has no value', async () => {
    const result = await cli.run('renew', '--json', '--now');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
