import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/domains/audit/index.js';
import { cliHarness, uniqueName, type CliHarness } from './cli-harness.js';

let cli: CliHarness;

beforeAll(async () => {
  cli = await cliHarness();
});
afterAll(() => cli.close());

const count = async (table: 'partners' | 'points_of_sale' | 'client_secrets' | 'pos_secrets') =>
  Number((await cli.app.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

describe('resell partner create', () => {
  it('prints exactly one JSON document with integer ids, the realm and both secrets with --json', async () => {
    const name = uniqueName('Acme Software');
    const result = await cli.run('partner', 'create', '--name', name, '--json');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const body = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['partnerId', 'posId', 'realmName', 'clientSecret', 'secret']);
    expect(Number.isInteger(body.partnerId)).toBe(true);
    expect(Number.isInteger(body.posId)).toBe(true);
    expect(body.realmName).toBe(name.toLowerCase().replace(/[^a-z0-9]+/g, '-'));
    expect(body.clientSecret).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(body.secret).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it('creates one POS on the defaults: EUR, FR, fr, whole catalog, 30 days, VAT record, no rate limit', async () => {
    const { posId, partnerId } = await cli.json<{ posId: number; partnerId: number }>('partner', 'create', '--name', uniqueName(), '--json');
    const pos = await cli.app.partners.getPointOfSale(cli.app.db, posId);
    expect(pos).toMatchObject({
      partnerId, currency: 'EUR', countries: ['FR'], languages: ['fr'], descriptionLanguage: 'fr',
      productList: { publishers: [], categories: [], refs: [] }, ipAllowList: [], cancelWindowDays: 30,
      vatPolicy: 'record', rateLimit: null, suspended: false,
    });
  });

  it('gives the POS the currency, country and language flags', async () => {
    const { posId } = await cli.json<{ posId: number }>('partner', 'create', '--name', uniqueName(), '--currency', 'usd', '--country', 'US', '--language', 'en', '--json');
    const pos = await cli.app.partners.getPointOfSale(cli.app.db, posId);
    expect(pos).toMatchObject({ currency: 'USD', countries: ['US'], languages: ['en'], descriptionLanguage: 'en' });
  });

  it('prints the realm, client secret and POS secret for a person on stdout', async () => {
    const name = uniqueName('Human Shop');
    const result = await cli.run('partner', 'create', '--name', name);
    expect(result.code).toBe(0);
    const realm = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    expect(result.stdout).toMatch(new RegExp(`^realm\\s+${realm}$`, 'm'));
    expect(result.stdout).toMatch(/^client secret\s+[A-Za-z0-9]{32}$/m);
    expect(result.stdout).toMatch(/^POS secret\s+[A-Za-z0-9]{32}$/m);
  });

  it('refuses a name whose realm is taken with exit 1, one line on stderr and nothing created', async () => {
    const name = uniqueName('Taken Name');
    await cli.json('partner', 'create', '--name', name, '--json');
    const before = await Promise.all([count('partners'), count('points_of_sale'), count('client_secrets'), count('pos_secrets')]);
    const result = await cli.run('partner', 'create', '--name', name.toUpperCase(), '--json');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('already taken');
    expect(result.stderr).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(await Promise.all([count('partners'), count('points_of_sale'), count('client_secrets'), count('pos_secrets')])).toEqual(before);
  });

  it('refuses an unknown currency with exit 1 and creates no partner', async () => {
    const before = await count('partners');
    const result = await cli.run('partner', 'create', '--name', uniqueName(), '--currency', 'XXY');
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(await count('partners')).toBe(before);
  });

  it('records the partner and its POS in the audit log with the actor cli', async () => {
    const { partnerId, posId } = await cli.json<{ partnerId: number; posId: number }>('partner', 'create', '--name', uniqueName(), '--json');
    const audit = await listAudit(cli.app.db, 20);
    expect(audit.find((e) => e.subject === `partner:${partnerId}` && e.action === 'partner.created')?.actor).toBe('cli');
    expect(audit.find((e) => e.subject === `pos:${posId}` && e.action === 'pos.created')?.actor).toBe('cli');
  });
});
