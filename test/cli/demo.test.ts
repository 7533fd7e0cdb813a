import { afterEach, describe, expect, it } from 'vitest';
import { cliHarness, type CliHarness } from './cli-harness.js';

let cli: CliHarness | undefined;

afterEach(async () => {
  await cli?.close();
  cli = undefined;
});

describe('resell demo', () => {
  it('loads the demo catalog, its keys and a demo partner into an empty database and prints the credentials once as JSON', async () => {
    cli = await cliHarness();
    const demo = await cli.json<{ partnerId: number; posId: number; realmName: string; clientSecret: string; secret: string }>('demo', '--json');
    expect(demo).toEqual({ partnerId: expect.any(Number), posId: expect.any(Number), realmName: 'demo-shop', clientSecret: expect.stringMatching(/^[A-Za-z0-9]{32}$/), secret: expect.stringMatching(/^[A-Za-z0-9]{32}$/) });
    const products = await cli.app.db.selectFrom('products').select('ref').execute();
    expect(products.length).toBeGreaterThan(5);
    const keys = await cli.app.db.selectFrom('serial_keys').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(keys.n)).toBeGreaterThan(0);
  });

  it('refuses with exit 1 and changes nothing when the database is not empty', async () => {
    cli = await cliHarness();
    expect((await cli.run('partner', 'create', '--name', 'Existing')).code).toBe(0);
    const run = await cli.run('demo');
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(await cli.app.db.selectFrom('products').select('ref').execute()).toEqual([]);
  });
});
