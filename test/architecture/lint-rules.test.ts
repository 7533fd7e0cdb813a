import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

// The dependency direction of shared/style.md is enforced by eslint.config.js. These tests lint small
// snippets placed at virtual paths of the tree, so a rule that stops biting fails here.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

async function problems(file: string, code: string): Promise<{ ruleId: string | null; message: string }[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).map(({ ruleId, message }) => ({ ruleId, message }));
}

async function expectReported(file: string, code: string, ruleId: string): Promise<void> {
  const found = await problems(file, code);
  expect(found.map((p) => p.ruleId), `${file}: ${code}`).toContain(ruleId);
}

async function expectClean(file: string, code: string): Promise<void> {
  expect(await problems(file, code), `${file}: ${code}`).toEqual([]);
}

const DOMAIN_FILE = 'src/domains/orders/orders.service.ts';

describe('domain code', () => {
  const forbiddenImports: [string, string][] = [
    ['Fastify', "import Fastify from 'fastify';\nexport const f = Fastify;\n"],
    ['Fastify types', "import type { FastifyRequest } from 'fastify';\nexport type R = FastifyRequest;\n"],
    ['a Fastify plugin', "import swagger from '@fastify/swagger';\nexport const s = swagger;\n"],
    ['the pg driver', "import pg from 'pg';\nexport const p = pg;\n"],
    ['the better-sqlite3 driver', "import Database from 'better-sqlite3';\nexport const d = Database;\n"],
    ['the HTTP layer', "import { buildServer } from '../../http/server.js';\nexport const b = buildServer;\n"],
    ['the CLI', "import { runCli } from '../../cli/main.js';\nexport const r = runCli;\n"],
    ['the jobs', "import { scheduler } from '../../jobs/scheduler.js';\nexport const s = scheduler;\n"],
    ['the back office', "import { pages } from '../../backoffice/pages.js';\nexport const p = pages;\n"],
    ['the configuration', "import { loadConfig } from '../../config.js';\nexport const l = loadConfig;\n"],
    ['the composition root', "import { createApp } from '../../app.js';\nexport const c = createApp;\n"],
    ['the environment through node:process', "import { env } from 'node:process';\nexport const e = env;\n"],
  ];
  for (const [what, code] of forbiddenImports) {
    it(`reports a domain file importing ${what}`, async () => {
      await expectReported(DOMAIN_FILE, code, 'no-restricted-imports');
    });
  }

  it("reports a domain importing another domain's repository instead of its index.js", async () => {
    await expectReported(DOMAIN_FILE, "import { findProduct } from '../catalog/catalog.repository.js';\nexport const f = findProduct;\n", 'no-restricted-imports');
  });

  it("reports a domain reaching another domain's internals through ../../domains/", async () => {
    await expectReported(DOMAIN_FILE, "import { findProduct } from '../../domains/catalog/catalog.repository.js';\nexport const f = findProduct;\n", 'no-restricted-imports');
  });

  it("reports a file in a domain's subfolder importing another domain's internals", async () => {
    await expectReported('src/domains/feeds/formats/csv.ts', "import { findProduct } from '../../catalog/product.js';\nexport const f = findProduct;\n", 'no-restricted-imports');
  });

  it('reports a domain reading process.env, directly or by destructuring', async () => {
    await expectReported(DOMAIN_FILE, 'export const url = process.env.DATABASE_URL;\n', 'no-restricted-properties');
    await expectReported(DOMAIN_FILE, 'const { env } = process;\nexport const url = env.DATABASE_URL;\n', 'no-restricted-properties');
    await expectReported(DOMAIN_FILE, "export const url = globalThis.process.env['DATABASE_URL'];\n", 'no-restricted-syntax');
  });

  it('reports a domain reading the system time instead of the Clock', async () => {
    await expectReported(DOMAIN_FILE, 'export const at = Date.now();\n', 'no-restricted-syntax');
    await expectReported(DOMAIN_FILE, 'export const at = new Date();\n', 'no-restricted-syntax');
    await expectReported(DOMAIN_FILE, 'export const at = Date();\n', 'no-restricted-syntax');
  });

  it('reports a dynamic import in domain code, which the import rules could not check', async () => {
    await expectReported(DOMAIN_FILE, "export const load = () => import('fastify');\n", 'no-restricted-syntax');
  });

  it('accepts a domain using shared/, db/ types, its own files, another domain’s index.js and the injected clock', async () => {
    await expectClean(DOMAIN_FILE, [
      "import type { Tx } from '../../db/schema.js';",
      "import type { Clock } from '../../shared/clock.js';",
      "import { Refusal } from '../../shared/errors.js';",
      "import { getSellable } from '../catalog/index.js';",
      "import { draftOrder } from './order.js';",
      '',
      '/** Places an order; throws Refusal when nothing is sellable. */',
      'export async function placeOrder(tx: Tx, clock: Clock, refs: number[]) {',
      '  const products = await getSellable(tx, refs);',
      '  if (products.length === 0) throw new Refusal(1020);',
      '  const receivedAt = new Date(clock.now().getTime());',
      '  return draftOrder(products, receivedAt);',
      '}',
      '',
    ].join('\n'));
  });

  it('accepts a file in a domain subfolder importing its own domain and another domain’s index.js', async () => {
    await expectClean('src/domains/feeds/formats/csv.ts', [
      "import { buildFeed } from '../feeds.service.js';",
      "import { getSellable } from '../../catalog/index.js';",
      'export const parts = [buildFeed, getSellable];',
      '',
    ].join('\n'));
  });
});

describe('shared/ and db/', () => {
  const cases: [string, string][] = [
    ['src/shared/money.ts', "import { getSellable } from '../domains/catalog/index.js';\nexport const g = getSellable;\n"],
    ['src/shared/money.ts', "import type { Db } from '../db/schema.js';\nexport type D = Db;\n"],
    ['src/shared/money.ts', "import { buildServer } from '../http/server.js';\nexport const b = buildServer;\n"],
    ['src/shared/money.ts', "import { runCli } from '../cli/main.js';\nexport const r = runCli;\n"],
    ['src/db/connect.ts', "import { findPartner } from '../domains/partners/index.js';\nexport const f = findPartner;\n"],
    ['src/db/connect.ts', "import { buildServer } from '../http/server.js';\nexport const b = buildServer;\n"],
    ['src/db/migrations/2030-01-01T0000-more.ts', "import { runCli } from '../../cli/main.js';\nexport const r = runCli;\n"],
  ];
  for (const [file, code] of cases) {
    const target = /from '([^']+)'/.exec(code)![1];
    it(`reports ${file} importing ${target}`, async () => {
      await expectReported(file, code, 'no-restricted-imports');
    });
  }

  it('accepts db/ importing the configuration type and shared/ importing a package', async () => {
    await expectClean('src/db/connect.ts', "import type { Config } from '../config.js';\nexport type C = Config;\n");
    await expectClean('src/shared/money.ts', "import currencyCodes from 'currency-codes';\nexport const c = currencyCodes;\n");
  });
});

describe('edges and the environment', () => {
  it("reports the HTTP layer importing a domain's repository instead of its index.js", async () => {
    await expectReported('src/http/connect/orders.routes.ts', "import { findPartner } from '../../domains/partners/partners.repository.js';\nexport const f = findPartner;\n", 'no-restricted-imports');
    await expectReported('src/app.ts', "import { findPartner } from './domains/partners/partners.repository.js';\nexport const f = findPartner;\n", 'no-restricted-imports');
  });

  it('reports a database driver imported outside src/db/', async () => {
    await expectReported('src/jobs/renewals.job.ts', "import pg from 'pg';\nexport const p = pg;\n", 'no-restricted-imports');
  });

  it('reports process.env read anywhere in src/ outside config.ts and cli/main.ts', async () => {
    await expectReported('src/http/health.routes.ts', 'export const token = process.env.METRICS_TOKEN;\n', 'no-restricted-properties');
    await expectReported('src/jobs/scheduler.ts', 'export const level = process.env.LOG_LEVEL;\n', 'no-restricted-properties');
    await expectReported('src/shared/clock.ts', 'export const tz = process.env.TZ;\n', 'no-restricted-properties');
  });

  it('accepts process.env in src/config.ts, src/cli/main.ts, tests and benchmarks', async () => {
    const code = 'export const env = process.env;\n';
    await expectClean('src/config.ts', code);
    await expectClean('src/cli/main.ts', code);
    await expectClean('test/support/database.ts', code);
    await expectClean('bench/run.ts', code);
  });

  it('accepts the HTTP layer using Fastify, a domain index.js and the system time', async () => {
    await expectClean('src/http/connect/orders.routes.ts', [
      "import type { FastifyInstance } from 'fastify';",
      "import { findPartner } from '../../domains/partners/index.js';",
      'export const parts = [findPartner, Date.now()];',
      'export type S = FastifyInstance;',
      '',
    ].join('\n'));
  });
});
