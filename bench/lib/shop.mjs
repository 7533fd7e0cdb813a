// One scenario's platform, set up as an operator does it: a fresh data folder and database, the
// `resell` CLI run as separate processes against them, and the real server (`resell start --role api
// --no-demo`) on a free loopback port, ready once GET /healthz answers 200.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freshDatabase } from './database.mjs';
import { childEnv, exitOf, MAIN, onCleanup, runToEnd, spawnTracked, stopChild } from './processes.mjs';

/** A free TCP port on 127.0.0.1 (it may be taken again before use: callers retry on EADDRINUSE). */
export async function freePort() {
  const probe = net.createServer();
  await new Promise((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const START_ATTEMPTS = 4;
const OUTPUT_LIMIT = 256 * 1024;

/**
 * Opens a shop: `{ env, dataDir, database, resell, resellJson, startServer, close }`.
 * `serverNodeArgs` go before dist/main.js when the server starts (e.g. --cpu-prof).
 */
export async function openShop({ engine, postgresUrl, serverNodeArgs = [] }) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'resell-bench-'));
  let database;
  const servers = new Set();
  const close = onCleanup(async () => {
    for (const server of [...servers]) await server.stop();
    try {
      await database?.drop();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
  try {
    database = await freshDatabase(engine, dataDir, postgresUrl);
  } catch (error) {
    await close();
    throw error;
  }
  const env = { DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...database.env };

  /** `resell <argv>` as its own process: { code, stdout, stderr, seconds }. */
  const resell = (argv, { timeoutMs, extraEnv = {} } = {}) =>
    runToEnd(process.execPath, [MAIN, ...argv], { env: childEnv({ ...env, ...extraEnv }), cwd: dataDir, timeoutMs });

  /** `resell <argv>` that must exit 0 and print one JSON document; returns it (and the wall time as `seconds`). */
  const resellJson = async (argv, options) => {
    const run = await resell(argv, options);
    if (run.code !== 0) throw new Error(`resell ${argv.join(' ')} exited with ${run.code}: ${run.stderr.trim().slice(-2000)}`);
    try {
      return { json: JSON.parse(run.stdout), seconds: run.seconds };
    } catch {
      throw new Error(`resell ${argv.join(' ')} printed no JSON document: ${run.stdout.slice(0, 500)}`);
    }
  };

  /** Starts `resell start` of this checkout, or of the `main` given (another checkout's dist/main.js). */
  async function startServer({ main = MAIN } = {}) {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      let output = '';
      const child = spawnTracked(process.execPath, [...serverNodeArgs, main, 'start', '--role', 'api', '--no-demo'], {
        env: childEnv({ ...env, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: url }),
        cwd: dataDir,
      });
      const keep = (chunk) => {
        output += chunk;
        if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT / 2);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      const server = {
        url,
        pid: child.pid,
        child,
        output: () => output,
        async stop() {
          servers.delete(server);
          await stopChild(child);
        },
      };
      servers.add(server);
      if (await becameHealthy(url, child)) return server;
      await server.stop();
      if (!output.includes('EADDRINUSE') || attempt === START_ATTEMPTS) throw new Error(`resell start did not come up:\n${output.slice(-4000)}`);
    }
  }

  return { engine, env, dataDir, database, resell, resellJson, startServer, close };
}

/** Polls /healthz until it answers 200 (true), the process ends or 60 s pass (false). */
async function becameHealthy(url, child) {
  let ended = false;
  exitOf(child).then(() => { ended = true; });
  const deadline = Date.now() + 60_000;
  while (!ended && Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/healthz`);
      await res.arrayBuffer();
      if (res.status === 200) return true;
    } catch {
      // not listening yet
    }
    await delay(50);
  }
  return false;
}

/** Writes `text` (or lines) to a file in the shop's data folder and returns its path. */
export function writeDataFile(shop, name, text) {
  const file = path.join(shop.dataDir, name);
  fs.writeFileSync(file, text);
  return file;
}
