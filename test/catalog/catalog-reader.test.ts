import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogReader } from '../../src/domains/catalog/index.js';
import { cliHarness, uniqueName, type CliHarness } from '../cli/cli-harness.js';
import { countingDb } from '../support/database.js';

// The product cache of the request paths (issue 6): warm reads cost one query, and a catalog import by
// another process (here `resell catalog import`, with its own connection) shows at the next read.

let cli: CliHarness;
let posId: number;

beforeAll(async () => {
  cli = await cliHarness();
  fs.writeFileSync(path.join(cli.dataDir, 'first.csv'), 'Product ID,Publisher ID,Publisher name,Name,Price wo.VAT,Currency\n840001,3,Cobalt,First name,10.00,EUR\n840002,3,Cobalt,Second,12.00,EUR\n');
  expect((await cli.run('catalog', 'import', path.join(cli.dataDir, 'first.csv'))).code).toBe(0);
  ({ posId } = await cli.json<{ posId: number }>('partner', 'create', '--name', uniqueName(), '--json'));
});
afterAll(() => cli.close());

describe('catalog reader', () => {
  it('reads cached products with one query (the POS prices with the catalog version) once they were read', async () => {
    const reader = catalogReader({ maxProducts: 100 });
    const pos = await cli.app.partners.getPointOfSale(cli.app.db, posId);
    const cold = countingDb(cli.app.db);
    expect([...(await reader.findSellable(cold.db, pos, [840001, 840002])).keys()]).toEqual([840001, 840002]);
    const warm = countingDb(cli.app.db);
    const again = await reader.findSellable(warm.db, pos, [840001, 840002]);
    expect(again.get(840001)).toMatchObject({ ref: 840001, saleMinor: 1000, publisher: { name: 'Cobalt' } });
    // The POS prices (they change without the catalog), with the catalog version in the same statement.
    expect(warm.count()).toBe(1);
    expect(cold.count()).toBeGreaterThan(warm.count() + 5);
  });

  it('shows a product changed by another process\'s import at the next read', async () => {
    const reader = catalogReader({ maxProducts: 100 });
    expect((await reader.findProducts(cli.app.db, [840001])).get(840001)?.texts.en?.name).toBe('First name');
    fs.writeFileSync(path.join(cli.dataDir, 'rename.csv'), 'Product ID,Name\n840001,Renamed\n');
    expect((await cli.run('catalog', 'import', path.join(cli.dataDir, 'rename.csv'))).code).toBe(0);
    expect((await reader.findProducts(cli.app.db, [840001])).get(840001)?.texts.en?.name).toBe('Renamed');
  });

  it('keeps its cache when an import changes nothing', async () => {
    const reader = catalogReader({ maxProducts: 100 });
    await reader.findProducts(cli.app.db, [840002]);
    fs.writeFileSync(path.join(cli.dataDir, 'same.csv'), 'Product ID,Name\n840002,Second\n');
    expect((await cli.run('catalog', 'import', path.join(cli.dataDir, 'same.csv'))).code).toBe(0);
    const warm = countingDb(cli.app.db);
    await reader.findProducts(warm.db, [840002]);
    expect(warm.count()).toBe(1);
  });

  it('holds at most its size, and still answers every ref asked', async () => {
    const reader = catalogReader({ maxProducts: 1 });
    const both = await reader.findProducts(cli.app.db, [840001, 840002]);
    expect([...both.keys()]).toEqual([840001, 840002]);
    const warm = countingDb(cli.app.db);
    await reader.findProducts(warm.db, [840002]);
    expect(warm.count()).toBe(1);
    const cold = countingDb(cli.app.db);
    await reader.findProducts(cold.db, [840001]);
    expect(cold.count()).toBeGreaterThan(1);
  });
});
