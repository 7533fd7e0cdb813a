import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { DemoCredentials } from '../../src/demo/load-demo.js';
import { FIRST_RUN_FILE } from '../../src/first-run.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer, type ServeOptions } from '../../src/serve.js';
import { cliHarness, type CliHarness } from './cli-harness.js';

const ENV = { HOST: '127.0.0.1', PORT: '0', PUBLIC_URL: 'https://resell.example' };

let cli: CliHarness | undefined;
let running: RunningServer | undefined;

afterEach(async () => {
  await running?.stop();
  running = undefined;
  await cli?.close();
  cli = undefined;
});

/** Stands in for the demo loader, without its catalog: a partner, so the database is no longer empty. */
function fakeDemoLoader() {
  const calls: DemoCredentials[] = [];
  const load = async (app: App): Promise<DemoCredentials> => {
    const created = await app.db.transaction().execute((tx) => app.partners.createPartner(tx, 'Demo Shop', {}, 'demo'));
    const feedUrl = `${app.config.publicUrl}/flow/getcatalog/v2.4/?secret=${created.posSecret}&provider=1&config=1`;
    const credentials = { partnerId: created.partner.id, posId: created.pos.id, realmName: created.partner.realmName, clientSecret: created.clientSecret, posSecret: created.posSecret, feedUrl };
    calls.push(credentials);
    return credentials;
  };
  return { load, calls };
}

/** Runs what `resell start` runs, with the demo loader replaced and the terminal and logs captured. */
async function start(harness: CliHarness, options: ServeOptions, loader = fakeDemoLoader()) {
  let stderr = '';
  const logs: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } });
  running = await startServer(harness.app, options, {
    loadDemo: loader.load,
    stderr: { write: (text: string) => { stderr += text; return true; } },
    logger: createLogger('info', sink),
  });
  return { running, stderr, logs, loader };
}

describe('start: first run', () => {
  it('loads the demo into an empty database and prints the URLs, demo realm and secrets once to stderr and first-run.txt', async () => {
    cli = await cliHarness(ENV);
    const first = await start(cli, { role: 'api', demo: true });
    expect(first.loader.calls).toHaveLength(1);
    const demo = first.loader.calls[0]!;
    for (const expected of [
      'https://resell.example/connect', 'https://resell.example/iam/tokens', 'https://resell.example/docs',
      demo.realmName, demo.clientSecret, demo.posSecret, demo.feedUrl, 'curl',
    ]) expect(first.stderr).toContain(expected);
    const file = path.join(cli.dataDir, FIRST_RUN_FILE);
    const saved = fs.readFileSync(file, 'utf8');
    expect(saved).toContain(demo.clientSecret);
    expect(saved).toContain(demo.posSecret);
    expect(saved).toContain('https://resell.example/connect/stock');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('prints no secrets and loads nothing on the second start, keeping the data', async () => {
    cli = await cliHarness(ENV);
    const first = await start(cli, { role: 'api', demo: true });
    const demo = first.loader.calls[0]!;
    await first.running.stop();

    const second = await start(cli, { role: 'api', demo: true });
    expect(second.loader.calls).toHaveLength(0);
    expect(second.stderr).toBe('');
    expect(await cli.app.partners.getPartner(cli.app.db, demo.partnerId)).toMatchObject({ realmName: demo.realmName });
  });

  it('never writes the demo secrets to the log', async () => {
    cli = await cliHarness(ENV);
    const first = await start(cli, { role: 'all', demo: true });
    const demo = first.loader.calls[0]!;
    const logs = first.logs.join('');
    expect(logs).toContain('resell started');
    expect(logs).not.toContain(demo.clientSecret);
    expect(logs).not.toContain(demo.posSecret);
  });

  it('starts on an empty database without demo data when the demo is off', async () => {
    cli = await cliHarness(ENV);
    const started = await start(cli, { role: 'api', demo: false });
    expect(started.loader.calls).toHaveLength(0);
    expect(started.stderr).toBe('');
    expect(fs.existsSync(path.join(cli.dataDir, FIRST_RUN_FILE))).toBe(false);
    expect(await cli.app.db.selectFrom('partners').select('id').execute()).toEqual([]);
  });

  it('does not load the demo into a database that already has a partner', async () => {
    cli = await cliHarness(ENV);
    expect((await cli.run('partner', 'create', '--name', 'Real Customer')).code).toBe(0);
    const started = await start(cli, { role: 'api', demo: true });
    expect(started.loader.calls).toHaveLength(0);
    expect(started.stderr).toBe('');
  });
});

describe('start: failures', () => {
  it('refuses a taken port before loading the demo, so the database stays empty', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      cli = await cliHarness({ ...ENV, PORT: String((taken.address() as net.AddressInfo).port) });
      const loader = fakeDemoLoader();
      await expect(start(cli, { role: 'all', demo: true }, loader)).rejects.toThrow(/EADDRINUSE/);
      expect(loader.calls).toHaveLength(0);
      expect(await cli.app.db.selectFrom('partners').select('id').execute()).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  it('stops listening again and writes no first-run.txt when the demo loader fails', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    cli = await cliHarness({ ...ENV, PORT: String(port) });
    const failing = { load: async (): Promise<DemoCredentials> => { throw new Error('no demo catalog'); }, calls: [] };
    await expect(start(cli, { role: 'api', demo: true }, failing)).rejects.toThrow('no demo catalog');
    expect(fs.existsSync(path.join(cli.dataDir, FIRST_RUN_FILE))).toBe(false);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});

describe('start: roles', () => {
  it('answers /healthz over HTTP for the api role', async () => {
    cli = await cliHarness(ENV);
    const started = await start(cli, { role: 'api', demo: false });
    expect(started.running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${started.running.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'UP' });
  });

  it('serves no HTTP for the worker role and starts the renewal job', async () => {
    cli = await cliHarness(ENV);
    const started = await start(cli, { role: 'worker', demo: false });
    expect(started.running.url).toBeUndefined();
    expect(started.logs.join('')).toContain('"jobs":["renewals"]');
  });
});

describe('resell start: configuration', () => {
  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ DEMO: 'maybe' }, 'DEMO'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('stops at once with exit 1 and the one-line reason for %j', async (env, name) => {
    cli = await cliHarness();
    Object.assign(cli.env, env);
    const result = await cli.run('start', '--role', 'api');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(name);
  });

  it('refuses an unknown role with exit 1', async () => {
    cli = await cliHarness();
    const result = await cli.run('start', '--role', 'everything');
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
