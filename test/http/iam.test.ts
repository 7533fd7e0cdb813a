import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECOND } from '../support/clock.js';
import { startTestApp, type TestApp, type TestPartner } from '../support/test-app.js';

let t: TestApp;
let partner: TestPartner;

beforeAll(async () => {
  t = await startTestApp();
  partner = await t.given.partner();
});
afterAll(() => t.close());

const tokens = (payload: unknown, headers: Record<string, string> = {}) =>
  t.server.inject({ method: 'POST', url: '/iam/tokens', payload: payload as string, headers });

const status = (token: string) =>
  t.server.inject({ method: 'GET', url: '/connect/status', headers: { authorization: `Bearer ${token}`, secret: partner.posSecret } });

describe('POST /iam/tokens', () => {
  it('issues a bearer token with the Keycloak-shaped answer for camelCase credentials', async () => {
    const res = await tokens({ realmName: partner.realmName, clientSecret: partner.clientSecret, grantType: 'client_credentials' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({
      access_token: expect.any(String), expires_in: 300, refresh_expires_in: 1800, refresh_token: expect.any(String),
      token_type: 'bearer', 'not-before-policy': 0, session_state: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect((await status(body.access_token)).statusCode).toBe(200);
  });

  it('accepts the snake_case spellings, form-encoded', async () => {
    const form = new URLSearchParams({ realm: partner.realmName, client_secret: partner.clientSecret, grant_type: 'client_credentials' }).toString();
    const res = await tokens(form, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.statusCode).toBe(200);
    expect(res.json().token_type).toBe('bearer');
  });

  it('answers 401 invalid_client for a wrong secret or an unknown realm', async () => {
    const wrongSecret = await tokens({ realmName: partner.realmName, clientSecret: 'x'.repeat(32), grantType: 'client_credentials' });
    expect(wrongSecret.statusCode).toBe(401);
    expect(wrongSecret.json()).toEqual({ error: 'invalid_client' });
    const unknownRealm = await tokens({ realmName: 'nobody', clientSecret: partner.clientSecret, grantType: 'client_credentials' });
    expect(unknownRealm.statusCode).toBe(401);
    expect(unknownRealm.json()).toEqual({ error: 'invalid_client' });
  });

  it('refuses another partner’s client secret under a realm', async () => {
    const other = await t.given.partner();
    const res = await tokens({ realmName: partner.realmName, clientSecret: other.clientSecret, grantType: 'client_credentials' });
    expect(res.statusCode).toBe(401);
  });

  it('answers 400 invalid_request, unsupported_grant_type and invalid_grant', async () => {
    expect((await tokens({ realmName: partner.realmName })).json()).toEqual({ error: 'invalid_request' });
    expect((await tokens({ realmName: partner.realmName })).statusCode).toBe(400);
    expect((await tokens('not json', { 'content-type': 'application/json' })).json()).toEqual({ error: 'invalid_request' });
    const unsupported = await tokens({ realmName: partner.realmName, grantType: 'password' });
    expect(unsupported.statusCode).toBe(400);
    expect(unsupported.json()).toEqual({ error: 'unsupported_grant_type' });
    const badRefresh = await tokens({ realmName: partner.realmName, grantType: 'refresh_token', refreshToken: 'nope' });
    expect(badRefresh.statusCode).toBe(400);
    expect(badRefresh.json()).toEqual({ error: 'invalid_grant' });
  });

  it('refreshes with a new refresh token and ends the old one', async () => {
    const first = (await tokens({ realmName: partner.realmName, clientSecret: partner.clientSecret, grantType: 'client_credentials' })).json();
    const second = await tokens({ realmName: partner.realmName, grantType: 'refresh_token', refreshToken: first.refresh_token });
    expect(second.statusCode).toBe(200);
    expect(second.json().refresh_token).not.toBe(first.refresh_token);
    expect(second.json().session_state).toBe(first.session_state);
    const replay = await tokens({ realmName: partner.realmName, grantType: 'refresh_token', refreshToken: first.refresh_token });
    expect(replay.json()).toEqual({ error: 'invalid_grant' });
  });

  it('refuses a refresh token after 1800 seconds', async () => {
    const first = (await tokens({ realmName: partner.realmName, clientSecret: partner.clientSecret, grantType: 'client_credentials' })).json();
    t.clock.advance(1801 * SECOND);
    const res = await tokens({ realmName: partner.realmName, grantType: 'refresh_token', refresh_token: first.refresh_token });
    expect(res.json()).toEqual({ error: 'invalid_grant' });
  });
});

describe('DELETE /iam/tokens/reset and /invalidate', () => {
  for (const path of ['/iam/tokens/reset', '/iam/tokens/invalidate']) {
    it(`${path} ends the session: 204, refresh refused, access token still valid until it expires`, async () => {
      const grant = (await tokens({ realmName: partner.realmName, clientSecret: partner.clientSecret, grantType: 'client_credentials' })).json();
      const res = await t.server.inject({ method: 'DELETE', url: path, headers: { authorization: `Bearer ${grant.access_token}` } });
      expect(res.statusCode).toBe(204);
      const refresh = await tokens({ realmName: partner.realmName, grantType: 'refresh_token', refreshToken: grant.refresh_token });
      expect(refresh.json()).toEqual({ error: 'invalid_grant' });
      expect((await status(grant.access_token)).statusCode).toBe(200);
      t.clock.advance(301 * SECOND);
      expect((await status(grant.access_token)).statusCode).toBe(401);
    });
  }

  it('answers 401 without a valid token', async () => {
    const res = await t.server.inject({ method: 'DELETE', url: '/iam/tokens/reset', headers: { authorization: 'Bearer nope' } });
    expect(res.statusCode).toBe(401);
  });
});
