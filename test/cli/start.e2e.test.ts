import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cliHarness, type CliHarness } from './cli-harness.js';
import { freePort } from '../support/net.js';

// The real built command (the vitest globalSetup compiles dist first), run as `npm start` runs it.
const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

let cli: CliHarness | undefined;
let child: ChildProcess | undefined;

afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exitOf(child);
  }
  child = undefined;
  await cli?.close();
  cli = undefined;
});


function exitOf(running: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (running.exitCode !== null || running.signalCode !== null) return Promise.resolve({ code: running.exitCode, signal: running.signalCode });
  return new Promise((resolve) => running.once('exit', (code, signal) => resolve({ code, signal })));
}

function launch(args: string[], env: Record<string, string>): { process: ChildProcess; output: () => { stdout: string; stderr: string } } {
  let stdout = '';
  let stderr = '';
  const started = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  started.stdout!.on('data', (chunk) => { stdout += String(chunk); });
  started.stderr!.on('data', (chunk) => { stderr += String(chunk); });
  child = started;
  return { process: started, output: () => ({ stdout, stderr }) };
}

/** Polls GET /healthz until it answers, the process ends, or 15 s pass. */
async function waitForHealth(url: string, running: ChildProcess): Promise<number> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && running.exitCode === null) {
    try {
      return (await fetch(url)).status;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error('the server did not answer /healthz');
}

/** Resolves when `text` appears in the process's stdout (or stderr); rejects when the process ends first. */
function waitForOutput(running: ChildProcess, output: () => { stdout: string; stderr: string }, text: string, stream: 'stdout' | 'stderr' = 'stdout'): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!output()[stream].includes(text)) return;
      running[stream]!.off('data', check);
      resolve();
    };
    running[stream]!.on('data', check);
    running.once('exit', () => reject(new Error(`exited before printing "${text}"`)));
    check();
  });
}

describe('resell start (the built command)', () => {
  it('answers /healthz with 200 over real HTTP and exits 0 on SIGTERM', async () => {
    cli = await cliHarness();
    const port = await freePort();
    const { process: server } = launch(['start'], { ...cli.env, HOST: '127.0.0.1', PORT: String(port), DEMO: 'false' });
    expect(await waitForHealth(`http://127.0.0.1:${port}/healthz`, server)).toBe(200);
    server.kill('SIGTERM');
    expect(await exitOf(server)).toEqual({ code: 0, signal: null });
  });

  it('runs the worker role without HTTP until SIGINT, then exits 0', async () => {
    cli = await cliHarness();
    const { process: worker, output } = launch(['start', '--role', 'worker', '--no-demo'], { ...cli.env, LOG_LEVEL: 'info' });
    await waitForOutput(worker, output, 'worker started');
    worker.kill('SIGINT');
    expect(await exitOf(worker)).toEqual({ code: 0, signal: null });
    expect(output().stdout).toContain('worker stopped');
  });

  it('stops with exit 1 and the configuration error on one line for a bad PORT', async () => {
    cli = await cliHarness();
    const { process: failing, output } = launch(['start'], { ...cli.env, PORT: '99999' });
    expect(await exitOf(failing)).toEqual({ code: 1, signal: null });
    expect(output().stderr.trim().split('\n')).toEqual([expect.stringContaining('PORT must be a whole number')]);
  });
  it('loads the demo on a first run; its printed credentials answer getStockStatus with a JWT over real HTTP; a restart prints no secret', async () => {
    cli = await cliHarness();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const first = launch(['start'], { ...cli.env, HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: base });
    await waitForOutput(first.process, first.output, 'A restart does not show these secrets again', 'stderr');
    expect(await waitForHealth(`${base}/healthz`, first.process)).toBe(200);
    const firstRunFile = path.join(cli.dataDir, 'first-run.txt');
    const printed = fs.readFileSync(firstRunFile, 'utf8');
    expect(fs.statSync(firstRunFile).mode & 0o777).toBe(0o600);
    const clientSecret = /client secret\s+(\S+)/.exec(printed)![1]!;
    const posSecret = /POS secret\s+(\S+)/.exec(printed)![1]!;
    const realmName = /realm\s+(\S+)/.exec(printed)![1]!;
    expect(first.output().stderr).toContain(clientSecret);

    const grant = await fetch(`${base}/iam/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ realmName, clientSecret, grantType: 'client_credentials' }) });
    expect(grant.status).toBe(200);
    const { access_token: token } = await grant.json() as { access_token: string };
    const stock = await fetch(`${base}/connect/stock`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, secret: posSecret, 'content-type': 'application/json' },
      body: JSON.stringify({ productRefs: [710001, 730001, 999999] }),
    });
    expect(stock.status).toBe(200);
    const body = await stock.json() as { responseCode: number; productStatus: { productRef: number; status: number | null; responseCode: number }[] };
    expect(body.responseCode).toBe(0);
    expect(body.productStatus.map((p) => [p.productRef, p.responseCode])).toEqual([[710001, 0], [730001, 0], [999999, 1010]]);
    expect(body.productStatus[0]!.status).toBe(100);
    // The printed feed URL answers the demo catalog as CSV, on the product's own server process.
    const feedUrl = /product feed\s+(\S+)/.exec(printed)![1]!;
    const feed = await fetch(feedUrl);
    expect(feed.status).toBe(200);
    expect(feed.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect((await feed.text()).split('\r\n')[1]).toMatch(/^710001,/);
    first.process.kill('SIGTERM');
    expect(await exitOf(first.process)).toEqual({ code: 0, signal: null });

    const second = launch(['start'], { ...cli.env, HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: base });
    expect(await waitForHealth(`${base}/healthz`, second.process)).toBe(200);
    second.process.kill('SIGTERM');
    expect(await exitOf(second.process)).toEqual({ code: 0, signal: null });
    const { stdout, stderr } = second.output();
    for (const secret of [clientSecret, posSecret]) expect(stdout + stderr).not.toContain(secret);
  });
});
