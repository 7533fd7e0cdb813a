// Driving a server with autocannon from a separate process (drive.mjs), and the bare-Fastify
// baseline of the same request shape (baseline-server.mjs), measured once per run per shape.
import path from 'node:path';
import readline from 'node:readline';
import { cpuMsOf } from './machine.mjs';
import { childEnv, exitOf, ROOT, runToEnd, spawnTracked, stopChild } from './processes.mjs';

const DRIVER = path.join(ROOT, 'bench', 'lib', 'drive.mjs');
const BASELINE_SERVER = path.join(ROOT, 'bench', 'lib', 'baseline-server.mjs');

/**
 * Runs drive.mjs with `options` against a server and adds the server's CPU time per request over the
 * whole drive (warm-up included): a figure a shared, noisy machine disturbs far less than requests/s.
 */
async function driveMeasured(options, serverPid) {
  const before = cpuMsOf(serverPid);
  const figures = await drive(options);
  const requests = figures.rps * ((options.warmup ?? 0) + options.duration);
  figures.cpuMsPerRequest = requests > 0 && before > 0 ? (cpuMsOf(serverPid) - before) / requests : null;
  return figures;
}

/** Runs drive.mjs with `options` (see its header) and returns its figures. */
export async function drive(options) {
  const timeoutMs = ((options.warmup ?? 0) + options.duration + 60) * 1000;
  const run = await runToEnd(process.execPath, [DRIVER], { env: childEnv(), input: JSON.stringify(options), timeoutMs });
  if (run.code !== 0) throw new Error(`load driver failed (${run.code}): ${run.stderr.slice(-2000)}`);
  return JSON.parse(run.stdout);
}

/** Starts baseline-server.mjs for `shape` and resolves with { url, stop } once it listens. */
async function startBaseline(shape) {
  const child = spawnTracked(process.execPath, [BASELINE_SERVER, JSON.stringify(shape)], { env: childEnv() });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const lines = readline.createInterface({ input: child.stdout });
  const port = await new Promise((resolve, reject) => {
    lines.once('line', (line) => resolve(JSON.parse(line).port));
    exitOf(child).then(({ code }) => reject(new Error(`baseline server ended (${code}): ${stderr}`)));
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => stopChild(child) };
}

const measured = new Map();

/**
 * The baseline of a request shape: `shape` = { method, route (Fastify pattern), status, answer (the
 * JSON the real server gave) }, driven with `driveOptions` (the same requests as the scenario's, only
 * the URL changes). Measured once per run per shape (method, route, request and answer sizes).
 */
export async function baselineFor(shape, driveOptions) {
  const key = [shape.method, shape.route, shape.status, Buffer.byteLength(driveOptions.body ?? ''), Buffer.byteLength(JSON.stringify(shape.answer))].join(' ');
  if (!measured.has(key)) {
    measured.set(key, (async () => {
      const server = await startBaseline(shape);
      try {
        return await driveMeasured({ ...driveOptions, url: server.url }, server.pid);
      } finally {
        await server.stop();
      }
    })());
  }
  try {
    return await measured.get(key);
  } catch (error) {
    measured.delete(key);
    throw error;
  }
}

/**
 * The usual measurement of a request scenario: first the bare-Fastify baseline of the shape, then the
 * real server, both with the same driver options. Returns the figures a scenario reports.
 */
export async function measureAgainstBaseline({ shape, driveOptions, server }) {
  const baseline = await baselineFor(shape, driveOptions);
  const product = await driveMeasured({ ...driveOptions, url: server.url }, server.pid);
  return {
    unit: 'requests/s',
    throughput: product.rps,
    p50: product.latency.p50,
    p99: product.latency.p99,
    errors: product.errors,
    ratio: baseline.rps > 0 ? product.rps / baseline.rps : null,
    cpuMsPerRequest: product.cpuMsPerRequest,
    // Baseline CPU per request over ours: the ratio in CPU terms, steadier than requests/s on a busy machine.
    cpuRatio: product.cpuMsPerRequest && baseline.cpuMsPerRequest ? baseline.cpuMsPerRequest / product.cpuMsPerRequest : null,
    baseline: { rps: baseline.rps, p50: baseline.latency.p50, p99: baseline.latency.p99, errors: baseline.errors, cpuMsPerRequest: baseline.cpuMsPerRequest },
    load: product,
  };
}
