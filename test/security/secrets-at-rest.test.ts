import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { cliHarness, type CliHarness } from '../cli/cli-harness.js';
import { onPostgres } from '../support/database.js';
import { givenProduct, makeKeys } from '../support/products.js';
import { givenFor, type TestPartner } from '../support/test-app.js';

// Runs a partner's whole life against one database: creation (client and POS secrets), tokens and a
// refresh, Connect calls (good and refused), a key import through the CLI, key claims. Then every
// value of every table and every server log line is searched for each secret in clear.

let cli: CliHarness;
let server: FastifyInstance;
const logs: string[] = [];
const secrets = new Map<string, string>();
let partner: TestPartner;

beforeAll(async () => {
  cli = await cliHarness();
  const sink = new Writable({ write(chunk, _encoding, done) { logs.push(String(chunk)); done(); } });
  server = await buildServer(cli.app, createLogger('info', sink));
  await server.ready();
  const given = givenFor(cli.app, server);

  partner = await given.partner();
  secrets.set('client secret', partner.clientSecret);
  secrets.set('POS secret', partner.posSecret);

  const grant = await server.inject({ method: 'POST', url: '/iam/tokens', payload: { realmName: partner.realmName, clientSecret: partner.clientSecret, grantType: 'client_credentials' } });
  const { access_token: accessToken, refresh_token: refreshToken } = grant.json() as { access_token: string; refresh_token: string };
  secrets.set('access token', accessToken);
  secrets.set('refresh token', refreshToken);
  const refreshed = await server.inject({ method: 'POST', url: '/iam/tokens', payload: { realm: partner.realmName, grant_type: 'refresh_token', refresh_token: refreshToken } });
  const second = refreshed.json() as { access_token: string; refresh_token: string };
  secrets.set('refreshed access token', second.access_token);
  secrets.set('second refresh token', second.refresh_token);

  const { ref } = await givenProduct(cli.app.db);
  const keys = makeKeys(20);
  keys.forEach((key, i) => secrets.set(`imported key ${i + 1}`, key));
  fs.writeFileSync(path.join(cli.dataDir, 'keys.txt'), `${keys.join('\r\n')}\r\n`);
  const imported = await cli.run('keys', 'import', '--product', String(ref), 'keys.txt');
  if (imported.code !== 0) throw new Error(`keys import failed: ${imported.stderr}`);
  for (const output of [imported.stdout, imported.stderr]) logs.push(output);

  const headers = { authorization: `Bearer ${second.access_token}`, secret: partner.posSecret };
  await server.inject({ method: 'POST', url: '/connect/stock', headers, payload: { productRefs: [ref, 'x'] } });
  await server.inject({ method: 'GET', url: '/connect/status', headers });
  await server.inject({ method: 'GET', url: '/connect/status', headers: { authorization: `Bearer ${accessToken}`, secret: 'wrong' } });
  await server.inject({ method: 'GET', url: '/connect/status', headers: { authorization: 'Bearer nonsense', secret: partner.posSecret } });
  await server.inject({ method: 'POST', url: '/connect/stock', headers: { ...headers, 'content-type': 'application/json' }, payload: '{"productRefs": [' });
  // A URL no route serves, carrying the POS secret as feed URLs do: the 404 must not log it.
  await server.inject({ method: 'GET', url: `/flow/unknown/?secret=${partner.posSecret}&provider=1` });
  await server.inject({ method: 'DELETE', url: '/iam/tokens/reset', headers: { authorization: `Bearer ${second.access_token}` } });

  await cli.app.db.transaction().execute((tx) => cli.app.stock.claimKeys(tx, ref, 3, 1));
});

afterAll(async () => {
  await server?.close();
  await cli?.close();
});

/** Every user table of the test's database (its own schema on PostgreSQL). */
async function tableNames(): Promise<string[]> {
  const tables = await cli.app.db.introspection.getTables();
  if (!onPostgres) return tables.map((t) => t.name);
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(cli.app.db);
  return tables.filter((t) => t.schema === rows[0]!.schema).map((t) => t.name);
}

/** Every value of every row of every table, as text. */
async function databaseDump(): Promise<string> {
  const parts: string[] = [];
  for (const table of await tableNames()) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(cli.app.db);
    for (const row of rows.rows) parts.push(...Object.values(row).map((value) => (value === null ? '' : String(value))));
  }
  return parts.join('\n');
}

/** A secret in clear, or in the encodings a careless store would use. */
function spellings(secret: string): string[] {
  return [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('hex')];
}

describe('secrets at rest', () => {
  it('dumps a database that really holds the partner, its sessions and the imported keys', async () => {
    const tables = await tableNames();
    expect(tables).toEqual(expect.arrayContaining(['partners', 'client_secrets', 'pos_secrets', 'iam_sessions', 'serial_keys', 'audit_log']));
    const keyRows = await cli.app.db.selectFrom('serial_keys').select('id').execute();
    expect(keyRows).toHaveLength(20);
    expect(logs.length).toBeGreaterThan(5);
  });

  it('stores no client secret, POS secret, token or imported key in clear in any table', async () => {
    const dump = await databaseDump();
    expect(dump.length).toBeGreaterThan(1000);
    for (const [what, secret] of secrets) {
      for (const spelling of spellings(secret)) expect(dump.includes(spelling), `${what} found in the database`).toBe(false);
    }
  });

  it('writes no client secret, POS secret, token or imported key to the server logs or the CLI output', () => {
    const text = logs.join('\n');
    for (const [what, secret] of secrets) {
      for (const spelling of spellings(secret)) expect(text.includes(spelling), `${what} found in the logs`).toBe(false);
    }
  });

  it('can still read each imported key back with the configured key, so the check above is not vacuous', async () => {
    const rows = await cli.app.db.selectFrom('serial_keys').select('sealed').orderBy('id').execute();
    const clear = rows.map((r) => cli.app.keyring.decrypt(r.sealed));
    expect(clear).toEqual([...secrets].filter(([what]) => what.startsWith('imported key')).map(([, key]) => key));
  });
});
