import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECOND } from '../support/clock.js';
import { startTestApp, type TestApp, type TestPartner } from '../support/test-app.js';

let t: TestApp;
let partner: TestPartner;
let other: TestPartner;

beforeAll(async () => {
  t = await startTestApp();
  partner = await t.given.partner();
  other = await t.given.partner();
});
afterAll(() => t.close());

const JWT_REFUSED = { status: 401, error: 'Unauthorized', message: 'Authentication Failed: JWT token is not valid' };

/** A concrete URL for a route pattern: path parameters filled with harmless values. */
function concrete(url: string): string {
  return url.replace(':language', 'en').replace(/:[A-Za-z]+/g, 'PON-1');
}

function routes() {
  const list = t.server.connectRoutes.filter((r) => r.method !== 'HEAD');
  expect(list.length).toBeGreaterThanOrEqual(5);
  return list;
}

function call(route: { method: string; url: string }, headers: Record<string, string | undefined>, options: { ip?: string; payload?: string } = {}) {
  const clean = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const hasBody = route.method === 'POST' || route.method === 'PUT';
  return t.server.inject({
    method: route.method as 'GET',
    url: concrete(route.url),
    headers: { ...clean, ...(hasBody && { 'content-type': 'application/json' }) },
    ...(hasBody && { payload: options.payload ?? '{}' }),
    ...(options.ip && { remoteAddress: options.ip }),
  });
}

describe('every Connect route checks JWT, then secret, then IP, then rate limit', () => {
  it('lists the Connect routes of the contract', () => {
    const urls = routes().map((r) => `${r.method} ${r.url}`);
    expect(urls).toEqual(expect.arrayContaining([
      'GET /connect/status', 'GET /connect/catalog/categories/:language', 'GET /connect/catalog/oslist',
      'POST /connect/stock', 'POST /connect/order/crossupsell',
    ]));
  });

  it('refuses a missing, malformed, foreign-signed or expired JWT with the 401 JWT body', async () => {
    const foreign = await new SignJWT({ csid: 1, sid: 'x' }).setProtectedHeader({ alg: 'HS256' }).setSubject(String(partner.partnerId))
      .setExpirationTime('5m').sign(new Uint8Array(32));
    const token = await partner.token();
    for (const route of routes()) {
      for (const authorization of [undefined, 'Bearer not-a-jwt', `Bearer ${foreign}`, token, `Basic ${token}`]) {
        const res = await call(route, { authorization, secret: partner.posSecret });
        expect(res.statusCode, `${route.method} ${route.url} with ${authorization?.slice(0, 12)}`).toBe(401);
        expect(res.json()).toEqual(JWT_REFUSED);
      }
    }
    const fresh = await partner.token();
    // Accepted once (its verification is then remembered), refused once expired all the same.
    expect((await call(routes()[0]!, { authorization: `Bearer ${fresh}`, secret: partner.posSecret })).statusCode).not.toBe(401);
    t.clock.advance(301 * SECOND);
    for (const route of routes()) {
      const res = await call(route, { authorization: `Bearer ${fresh}`, secret: partner.posSecret });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual(JWT_REFUSED);
    }
  });

  it('refuses a missing secret with 70 and an unknown or foreign secret with 71, before reading the body', async () => {
    const authorization = `Bearer ${await partner.token()}`;
    for (const route of routes()) {
      const missing = await call(route, { authorization }, { payload: 'not json' });
      expect(missing.statusCode).toBe(401);
      expect(missing.json()).toEqual({ responseCode: 70, responseMessage: 'secret is missing' });
      for (const secret of [other.posSecret, 'A'.repeat(32)]) {
        const res = await call(route, { authorization, secret }, { payload: 'not json' });
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({ responseCode: 71, responseMessage: 'secret not valid' });
      }
    }
  });

  it('refuses a caller outside the POS allow-list with 403 and 72, and lets listed callers through', async () => {
    const listed = await t.given.partner();
    await t.app.db.transaction().execute(async (tx) => {
      await t.app.partners.allowIp(tx, listed.posId, '203.0.113.0/24', 'test');
      await t.app.partners.allowIp(tx, listed.posId, '2001:db8::7', 'test');
    });
    const headers = await listed.headers();
    for (const route of routes()) {
      const refused = await call(route, headers, { ip: '198.51.100.9' });
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toEqual({ responseCode: 72, responseMessage: 'IP address not allowed' });
      for (const ip of ['203.0.113.77', '2001:db8::7', '::ffff:203.0.113.5']) {
        const res = await call(route, headers, { ip });
        expect(res.statusCode, `${route.url} from ${ip}`).not.toBe(403);
        expect(res.statusCode).not.toBe(401);
      }
    }
  });

  it('checks the secret before the IP: a missing secret from a refused IP answers 70', async () => {
    const listed = await t.given.partner();
    await t.app.db.transaction().execute((tx) => t.app.partners.allowIp(tx, listed.posId, '203.0.113.1', 'test'));
    const res = await call(routes()[0]!, { authorization: `Bearer ${await listed.token()}` }, { ip: '198.51.100.9' });
    expect(res.json()).toEqual({ responseCode: 70, responseMessage: 'secret is missing' });
  });

  it('answers 429 with 73 and Retry-After past the POS rate limit, and serves again in the next second', async () => {
    const limited = await t.given.partner({ pos: { rateLimit: 2 } });
    for (const route of routes()) {
      t.clock.advance(10 * SECOND);
      const headers = await limited.headers();
      expect((await call(route, headers)).statusCode).not.toBe(429);
      expect((await call(route, headers)).statusCode).not.toBe(429);
      const third = await call(route, headers);
      expect(third.statusCode).toBe(429);
      expect(third.json()).toEqual({ responseCode: 73, responseMessage: 'too many requests' });
      expect(Number(third.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      t.clock.advance(1 * SECOND);
      expect((await call(route, headers)).statusCode).not.toBe(429);
    }
  });

  it('checks the IP before the rate limit: a refused IP answers 72 even past the limit', async () => {
    const limited = await t.given.partner({ pos: { rateLimit: 1 } });
    await t.app.db.transaction().execute((tx) => t.app.partners.allowIp(tx, limited.posId, '203.0.113.1', 'test'));
    const headers = await limited.headers();
    for (let i = 0; i < 3; i++) expect((await call(routes()[0]!, headers, { ip: '198.51.100.9' })).json().responseCode).toBe(72);
  });

  it('answers 71 for a suspended POS or partner', async () => {
    const suspended = await t.given.partner();
    const headers = await suspended.headers();
    await t.app.db.transaction().execute((tx) => t.app.partners.updatePointOfSale(tx, suspended.posId, { suspended: true }, 'test'));
    expect((await call(routes()[0]!, headers)).json()).toEqual({ responseCode: 71, responseMessage: 'secret not valid' });
    await t.app.db.transaction().execute((tx) => t.app.partners.updatePointOfSale(tx, suspended.posId, { suspended: false }, 'test'));
    expect((await call(routes()[0]!, headers)).statusCode).toBe(200);
    await t.app.db.transaction().execute((tx) => t.app.partners.setPartnerSuspended(tx, suspended.partnerId, true, 'test'));
    expect((await call(routes()[0]!, headers)).json()).toEqual({ responseCode: 71, responseMessage: 'secret not valid' });
  });
});

describe('secret rotation', () => {
  it('revokes the old client secret and its tokens at once with an overlap of 0', async () => {
    const rotating = await t.given.partner();
    const headers = await rotating.headers();
    await t.app.db.transaction().execute((tx) => t.app.partners.rotateClientSecret(tx, rotating.partnerId, 0, 'test'));
    const res = await call(routes()[0]!, headers);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual(JWT_REFUSED);
    await expect(rotating.token()).rejects.toThrow(/401/);
  });

  it('keeps the old client secret and its tokens valid until the overlap ends', async () => {
    const rotating = await t.given.partner();
    const token = await rotating.token();
    const fresh = await t.app.db.transaction().execute((tx) => t.app.partners.rotateClientSecret(tx, rotating.partnerId, 24, 'test'));
    expect((await call(routes()[0]!, { authorization: `Bearer ${token}`, secret: rotating.posSecret })).statusCode).toBe(200);
    expect((await rotating.token()).length).toBeGreaterThan(20);
    t.clock.advance(24 * 3600 * SECOND + SECOND);
    await expect(rotating.token()).rejects.toThrow(/401/);
    const viaNew = await t.server.inject({ method: 'POST', url: '/iam/tokens', payload: { realmName: rotating.realmName, clientSecret: fresh, grantType: 'client_credentials' } });
    expect(viaNew.statusCode).toBe(200);
  });

  it('keeps the old POS secret during the overlap and refuses it with 71 afterwards', async () => {
    const rotating = await t.given.partner();
    const fresh = await t.app.db.transaction().execute((tx) => t.app.partners.rotatePosSecret(tx, rotating.posId, 1, 'test'));
    const authorization = `Bearer ${await rotating.token()}`;
    expect((await call(routes()[0]!, { authorization, secret: rotating.posSecret })).statusCode).toBe(200);
    t.clock.advance(3601 * SECOND);
    const authorization2 = `Bearer ${await rotating.token()}`;
    expect((await call(routes()[0]!, { authorization: authorization2, secret: rotating.posSecret })).json().responseCode).toBe(71);
    expect((await call(routes()[0]!, { authorization: authorization2, secret: fresh })).statusCode).toBe(200);
  });
});

describe('envelope', () => {
  it('answers 413 with 1001 for a body over 1 MiB, after authentication', async () => {
    const headers = await partner.headers();
    for (const route of routes().filter((r) => r.method === 'POST' || r.method === 'PUT')) {
      const res = await call(route, headers, { payload: JSON.stringify({ pad: 'x'.repeat(1024 * 1024) }) });
      expect(res.statusCode).toBe(413);
      expect(res.json()).toEqual({ responseCode: 1001, responseMessage: 'request too large' });
    }
  });

  it('answers a body that is not JSON with 1002 and the success status of the operation', async () => {
    const headers = await partner.headers();
    for (const route of routes().filter((r) => r.method === 'POST' || r.method === 'PUT')) {
      for (const payload of ['{not json', '[1,2]', '"text"']) {
        const res = await call(route, headers, { payload });
        expect(res.statusCode, `${route.url} ${payload}`).toBe(route.operation === 'createOrder' ? 201 : 200);
        expect(res.json().responseCode ?? res.json().code).toBe(1002);
      }
      for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
        const notJson = await t.server.inject({ method: route.method as 'POST', url: concrete(route.url), headers: { ...headers, 'content-type': contentType }, payload: 'productRefs=1&partnerOrderNumber=X' });
        expect(notJson.json().responseCode ?? notJson.json().code, `${route.url} as ${contentType}`).toBe(1002);
      }
    }
  });
});
