import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestPartner } from '../support/test-app.js';

let t: TestApp;
let partner: TestPartner;

beforeAll(async () => {
  t = await startTestApp();
  partner = await t.given.partner();
});
afterAll(() => t.close());

/** A GET that follows redirects inside inject, as a browser would. */
async function browse(app: TestApp, url: string): Promise<LightMyRequestResponse> {
  let res = await app.server.inject({ method: 'GET', url });
  for (let hops = 0; hops < 5 && res.statusCode >= 300 && res.statusCode < 400; hops++) {
    res = await app.server.inject({ method: 'GET', url: new URL(String(res.headers.location), `http://resell.test${url}`).pathname });
  }
  return res;
}

describe('GET /healthz', () => {
  it('answers 200 {"status":"UP"} without credentials while the database answers', async () => {
    const res = await t.server.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'UP' });
  });

  it('answers 503 once the database is gone', async () => {
    const down = await startTestApp();
    try {
      await down.app.db.destroy();
      const res = await down.server.inject({ method: 'GET', url: '/healthz' });
      expect(res.statusCode).toBe(503);
    } finally {
      await down.close();
    }
  });
});

describe('GET /connect/status', () => {
  it('answers 200 UP with responseCode 0 to valid credentials', async () => {
    const res = await t.server.inject({ method: 'GET', url: '/connect/status', headers: await partner.headers() });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'UP', responseCode: 0, responseMessage: 'OK' });
  });
});

describe('GET /connect/openapi.json', () => {
  it('is an OpenAPI 3.1 document with the token service and the status call', async () => {
    const res = await t.server.inject({ method: 'GET', url: '/connect/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.paths['/iam/tokens']?.post).toBeDefined();
    expect(doc.paths['/connect/status']?.get).toBeDefined();
  });

  it('documents every Connect route the server registers, each method under its operationId', async () => {
    const doc = (await t.server.inject({ method: 'GET', url: '/connect/openapi.json' })).json();
    const paths = doc.paths as Record<string, Record<string, { operationId?: string }>>;
    const routes = t.server.connectRoutes.filter((route) => route.method !== 'HEAD');
    expect(routes.map((route) => route.url)).toContain('/connect/status');
    const missing = routes
      .filter((route) => paths[route.url.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()]?.operationId !== route.operation)
      .map((route) => `${route.method} ${route.url} (${route.operation})`);
    expect(missing, 'Connect routes missing from /connect/openapi.json').toEqual([]);
  });
});

describe('GET /docs', () => {
  it('serves the human page of the API as HTML', async () => {
    const res = await browse(t, '/docs');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toMatch(/<html/i);
  });
});

describe('GET /metrics', () => {
  it('answers Prometheus text counting the requests already answered', async () => {
    await t.server.inject({ method: 'GET', url: '/healthz' });
    const res = await t.server.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/^resell_http_requests_total\{[^}]*route="\/healthz"[^}]*\} \d+/m);
  });

  it('with METRICS_TOKEN set, refuses a request without that bearer token and serves one with it', async () => {
    const guarded = await startTestApp({ env: { METRICS_TOKEN: 'm' } });
    try {
      expect((await guarded.server.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      expect((await guarded.server.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
      const res = await guarded.server.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer m' } });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('resell_http_requests_total');
    } finally {
      await guarded.close();
    }
  });
});
