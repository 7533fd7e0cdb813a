import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliHarness, uniqueName, type CliHarness } from './cli-harness.js';

let cli: CliHarness;

beforeAll(async () => {
  cli = await cliHarness();
});
afterAll(() => cli.close());

const newPos = async () => (await cli.json<{ posId: number }>('partner', 'create', '--name', uniqueName(), '--json')).posId;
const allowList = async (posId: number) => (await cli.app.partners.getPointOfSale(cli.app.db, posId)).ipAllowList;

describe('resell partner allow-ip', () => {
  it('adds an IPv4 address, an IPv6 address and CIDR ranges in canonical form', async () => {
    const posId = await newPos();
    for (const entry of ['203.0.113.7', '2001:DB8:0:0::1', '198.51.100.0/24', '2001:db8:abcd::/48']) {
      const result = await cli.run('partner', 'allow-ip', '--pos', String(posId), entry);
      expect(result.code).toBe(0);
    }
    expect(await allowList(posId)).toEqual(['203.0.113.7', '2001:db8::1', '198.51.100.0/24', '2001:db8:abcd::/48']);
  });

  it('prints the whole list as {"posId","ipAllowList"} with --json and keeps an entry given twice once', async () => {
    const posId = await newPos();
    await cli.json('partner', 'allow-ip', '--pos', String(posId), '10.0.0.1', '--json');
    const body = await cli.json('partner', 'allow-ip', '--pos', String(posId), '10.0.0.1', '--json');
    expect(body).toEqual({ posId, ipAllowList: ['10.0.0.1'] });
  });

  it.each(['shop.example.com', 'localhost', '10.0.0.300', '10.0.0.0/33', 'not an ip', ''])(
    'refuses %j with exit 1, one clear line on stderr and the list unchanged',
    async (entry) => {
      const posId = await newPos();
      await cli.run('partner', 'allow-ip', '--pos', String(posId), '192.0.2.1');
      const result = await cli.run('partner', 'allow-ip', '--pos', String(posId), entry);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(await allowList(posId)).toEqual(['192.0.2.1']);
    },
  );

  it('names host names in its refusal', async () => {
    const result = await cli.run('partner', 'allow-ip', '--pos', String(await newPos()), 'shop.example.com');
    expect(result.stderr).toContain('host names are not accepted');
  });

  it('refuses an unknown POS with exit 1', async () => {
    const result = await cli.run('partner', 'allow-ip', '--pos', '999999', '10.0.0.1');
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
