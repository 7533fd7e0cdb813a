import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The benchmark runner still runs (issue 6, quality.md §Benchmarks): two cheap scenarios in --quick mode
// against the built dist/ (the vitest globalSetup compiles it), results written to a file of this test.
// No timing is asserted, only that each scenario produced figures with zero errors. Always on SQLite:
// on PostgreSQL the runner drops its schema at the end, which would race the other test files'
// migrations (see test/support/global-setup.ts).

const RUNNER = fileURLToPath(new URL('../../bench/run.mjs', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resell-bench-test-'));
const resultsFile = path.join(dir, 'results.json');

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type Run = { code: number | null; stdout: string; stderr: string };

function runBench(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RUNNER, ...args], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += String(chunk); });
    child.stderr.on('data', (chunk) => { stderr += String(chunk); });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

type ScenarioResult = Record<string, unknown> & { name: string };

describe('npm run bench -- --quick', () => {
  it('measures getStockStatus against its baseline and a key import, with zero errors', async () => {
    const run = await runBench(['--quick', '--only', 'getStockStatus,keyImport', '--results', resultsFile]);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);

    const runs = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as { engine: string; quick: boolean; machine: Record<string, unknown>; scenarios: ScenarioResult[] }[];
    expect(runs).toHaveLength(1);
    const [result] = runs;
    expect(result).toMatchObject({ engine: 'sqlite', quick: true, machine: { cpus: expect.any(Number), cpuModel: expect.any(String), node: process.version } });
    expect(result!.scenarios.map((s) => s.name)).toEqual(['getStockStatus', 'keyImport']);

    const [stock, keys] = result!.scenarios;
    const numeric = expect.any(Number);
    expect(stock, JSON.stringify(stock)).toMatchObject({
      unit: 'requests/s', throughput: numeric, p50: numeric, p99: numeric, errors: 0, ratio: numeric,
      baseline: { rps: numeric, errors: 0 }, target: expect.any(String), meetsTarget: expect.any(Boolean),
    });
    expect(stock!.error).toBeUndefined();
    expect(stock!.throughput as number).toBeGreaterThan(0);
    expect((stock!.baseline as { rps: number }).rps).toBeGreaterThan(0);

    expect(keys, JSON.stringify(keys)).toMatchObject({
      unit: 'keys/s', throughput: numeric, seconds: numeric, keys: 20_000, inserted: 20_000, duplicates: 0, stockStatusAfter: 100,
      errors: 0, target: expect.any(String), meetsTarget: expect.any(Boolean),
    });
    expect(keys!.error).toBeUndefined();

    expect(run.stdout).toContain('getStockStatus');
    expect(run.stdout).toContain('keyImport');
  }, 180_000);
});
