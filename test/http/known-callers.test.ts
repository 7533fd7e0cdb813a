import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tx } from '../../src/db/schema.js';
import { cliHarness, uniqueName, type CliHarness } from '../cli/cli-harness.js';
import { SECOND } from '../support/clock.js';
import { startTestApp, type TestApp, type TestPartner } from '../support/test-app.js';

// Callers are remembered per process after a successful call (issue 6: the credentials query cost more
// than the rest of a stock call). Every change of what authenticates a call must still count at the
// very next call, whichever process made it, and a secret's overlap must still end on time.

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const stock = (headers: Record<string, string>, ip?: string) => t.server.inject({
  method: 'POST', url: '/connect/stock', headers, payload: { productRefs: [1] }, ...(ip && { remoteAddress: ip }),
});

/** A partner whose caller this process remembers: one call answered 200 already. */
async function rememberedPartner(): Promise<{ partner: TestPartner; headers: Record<string, string> }> {
  const partner = await t.given.partner();
  const headers = await partner.headers();
  expect((await stock(headers)).statusCode).toBe(200);
  expect((await stock(headers)).statusCode).toBe(200);
  return { partner, headers };
}

const change = <T>(work: (tx: Tx) => Promise<T>): Promise<T> => t.app.db.transaction().execute(work);

describe('remembered callers', () => {
  it('refuses with 71 at the next call once the POS is suspended, and serves again once resumed', async () => {
    const { partner, headers } = await rememberedPartner();
    await change((tx) => t.app.partners.updatePointOfSale(tx, partner.posId, { suspended: true }, 'test'));
    expect((await stock(headers)).json()).toMatchObject({ responseCode: 71 });
    await change((tx) => t.app.partners.updatePointOfSale(tx, partner.posId, { suspended: false }, 'test'));
    expect((await stock(headers)).json()).toMatchObject({ responseCode: 0 });
  });

  it('refuses with 71 at the next call once the partner is suspended', async () => {
    const { partner, headers } = await rememberedPartner();
    await change((tx) => t.app.partners.setPartnerSuspended(tx, partner.partnerId, true, 'test'));
    expect((await stock(headers)).json()).toMatchObject({ responseCode: 71 });
  });

  it('refuses the old POS secret with 71 at once after a rotation without overlap, and takes the new one', async () => {
    const { partner, headers } = await rememberedPartner();
    const fresh = await change((tx) => t.app.partners.rotatePosSecret(tx, partner.posId, 0, 'test'));
    expect((await stock(headers)).json()).toMatchObject({ responseCode: 71 });
    expect((await stock({ ...headers, secret: fresh })).json()).toMatchObject({ responseCode: 0 });
  });

  it('refuses the token of an old client secret with 401 at once after a rotation without overlap', async () => {
    const { partner, headers } = await rememberedPartner();
    await change((tx) => t.app.partners.rotateClientSecret(tx, partner.partnerId, 0, 'test'));
    expect((await stock(headers)).statusCode).toBe(401);
  });

  it('refuses with 72 at the next call once the allow-list leaves the caller out', async () => {
    const { partner, headers } = await rememberedPartner();
    await change((tx) => t.app.partners.allowIp(tx, partner.posId, '192.0.2.10', 'test'));
    expect((await stock(headers)).json()).toMatchObject({ responseCode: 72 });
    expect((await stock(headers, '192.0.2.10')).json()).toMatchObject({ responseCode: 0 });
  });

  it('ends a rotated POS secret\'s overlap on time although nothing changed since it was remembered', async () => {
    const partner = await t.given.partner();
    const fresh = await change((tx) => t.app.partners.rotatePosSecret(tx, partner.posId, 1, 'test'));
    const headers = await partner.headers();
    expect((await stock(headers)).json()).toMatchObject({ responseCode: 0 });
    t.clock.advance(3600 * SECOND - SECOND);
    expect((await stock({ ...headers, authorization: `Bearer ${await partner.token()}` })).json()).toMatchObject({ responseCode: 0 });
    t.clock.advance(2 * SECOND);
    const token = await partner.token();
    expect((await stock({ authorization: `Bearer ${token}`, secret: partner.posSecret })).json()).toMatchObject({ responseCode: 71 });
    expect((await stock({ authorization: `Bearer ${token}`, secret: fresh })).json()).toMatchObject({ responseCode: 0 });
  });
});

describe('remembered callers and other processes', () => {
  let cli: CliHarness;

  beforeAll(async () => {
    cli = await cliHarness();
  });
  afterAll(() => cli.close());

  it('sees a POS suspended by `resell pos update` in another process at the next call', async () => {
    const created = await cli.json<{ partnerId: number; posId: number; secret: string }>('partner', 'create', '--name', uniqueName(), '--json');
    const secret = await cli.app.db.selectFrom('client_secrets').select('id').where('partner_id', '=', created.partnerId).executeTakeFirstOrThrow();
    const claims = { partnerId: created.partnerId, clientSecretId: secret.id, sessionId: 'test' };
    const authenticate = () => cli.app.tokens.authenticateCall(cli.app.db, claims, created.secret, '127.0.0.1');
    expect((await authenticate()).pos.id).toBe(created.posId);
    expect((await authenticate()).pos.id).toBe(created.posId);
    expect((await cli.run('pos', 'update', '--pos', String(created.posId), '--suspend')).code).toBe(0);
    await expect(authenticate()).rejects.toMatchObject({ code: 71 });
  });
});
