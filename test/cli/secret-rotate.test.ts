import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/domains/audit/index.js';
import { buildServer } from '../../src/http/server.js';
import { cliHarness, uniqueName, type CliHarness } from './cli-harness.js';

let cli: CliHarness;
let server: FastifyInstance;

beforeAll(async () => {
  cli = await cliHarness();
  server = await buildServer(cli.app);
  await server.ready();
});
afterAll(async () => {
  await server.close();
  await cli.close();
});

type Created = { partnerId: number; posId: number; realmName: string; clientSecret: string; secret: string };

const newPartner = () => cli.json<Created>('partner', 'create', '--name', uniqueName(), '--json');

/** Status of POST /iam/tokens for a client secret: 200 issued, 401 refused. */
const tokenStatus = async (realmName: string, clientSecret: string) =>
  (await server.inject({ method: 'POST', url: '/iam/tokens', payload: { realmName, clientSecret, grantType: 'client_credentials' } })).statusCode;

/** Status of GET /connect/status with a fresh token and a POS secret: 200 accepted, 401 refused. */
const statusWith = async (partner: Created, posSecret: string) => {
  const token = (await server.inject({ method: 'POST', url: '/iam/tokens', payload: { realmName: partner.realmName, clientSecret: partner.clientSecret, grantType: 'client_credentials' } })).json<{ access_token: string }>().access_token;
  return (await server.inject({ method: 'GET', url: '/connect/status', headers: { authorization: `Bearer ${token}`, secret: posSecret } })).statusCode;
};

describe('resell secret rotate --partner', () => {
  it('revokes the old client secret at once with --overlap-hours 0 and prints only {"clientSecret"}', async () => {
    const partner = await newPartner();
    const result = await cli.run('secret', 'rotate', '--partner', String(partner.partnerId), '--overlap-hours', '0', '--json');
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['clientSecret']);
    expect(body.clientSecret).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(await tokenStatus(partner.realmName, partner.clientSecret)).toBe(401);
    expect(await tokenStatus(partner.realmName, body.clientSecret as string)).toBe(200);
  });

  it('keeps the old client secret valid during the overlap (24 hours by default)', async () => {
    const partner = await newPartner();
    const { clientSecret } = await cli.json<{ clientSecret: string }>('secret', 'rotate', '--partner', String(partner.partnerId), '--json');
    expect(clientSecret).not.toBe(partner.clientSecret);
    expect(await tokenStatus(partner.realmName, partner.clientSecret)).toBe(200);
    expect(await tokenStatus(partner.realmName, clientSecret)).toBe(200);
  });

  it('prints the new secret for a person on stdout and records the rotation as cli', async () => {
    const partner = await newPartner();
    const result = await cli.run('secret', 'rotate', '--partner', String(partner.partnerId), '--overlap-hours', '2');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^client secret\s+[A-Za-z0-9]{32}\n$/);
    const audit = await listAudit(cli.app.db, 10);
    expect(audit.find((e) => e.subject === `partner:${partner.partnerId}` && e.action === 'partner.secret_rotated')).toMatchObject({ actor: 'cli', detail: { overlapHours: 2 } });
  });
});

describe('resell secret rotate --pos', () => {
  it('revokes the old POS secret at once with --overlap-hours 0 and prints only {"secret"}', async () => {
    const partner = await newPartner();
    const body = await cli.json<Record<string, unknown>>('secret', 'rotate', '--pos', String(partner.posId), '--overlap-hours', '0', '--json');
    expect(Object.keys(body)).toEqual(['secret']);
    expect(await statusWith(partner, partner.secret)).toBe(401);
    expect(await statusWith(partner, body.secret as string)).toBe(200);
  });

  it('keeps the old POS secret valid during the overlap', async () => {
    const partner = await newPartner();
    const { secret } = await cli.json<{ secret: string }>('secret', 'rotate', '--pos', String(partner.posId), '--overlap-hours', '1', '--json');
    expect(await statusWith(partner, partner.secret)).toBe(200);
    expect(await statusWith(partner, secret)).toBe(200);
  });
});

describe('resell secret rotate refusals', () => {
  it.each([
    [['secret', 'rotate', '--json'], 'neither --partner nor --pos'],
    [['secret', 'rotate', '--partner', '1', '--pos', '1'], 'both --partner and --pos'],
    [['secret', 'rotate', '--partner', '999999'], 'an unknown partner'],
    [['secret', 'rotate', '--pos', '999999'], 'an unknown POS'],
    [['secret', 'rotate', '--partner', '1', '--overlap-hours', 'soon'], 'an overlap that is not a number'],
  ])('refuses %j (%s) with exit 1, nothing on stdout and one line on stderr', async (argv, _why) => {
    const result = await cli.run(...argv);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('leaves the old secret valid when the rotation is refused', async () => {
    const partner = await newPartner();
    const result = await cli.run('secret', 'rotate', '--partner', String(partner.partnerId), '--overlap-hours', '-3');
    expect(result.code).toBe(1);
    expect(await tokenStatus(partner.realmName, partner.clientSecret)).toBe(200);
  });
});
