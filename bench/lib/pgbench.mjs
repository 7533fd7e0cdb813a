// The PostgreSQL reference of quality.md's createOrder target: a pgbench TPC-B run (scale 1) on the
// same server, in a schema of its own (PGOPTIONS search_path), dropped afterwards.
import { randomBytes } from 'node:crypto';
import { withPg } from './database.mjs';
import { childEnv, onCleanup, runToEnd } from './processes.mjs';

/** { tps, clients, seconds } of a TPC-B run with `clients` clients for `seconds`; { skipped } when pgbench cannot run. */
export async function pgbenchTps(url, { seconds, clients }) {
  const target = new URL(url);
  const schema = `bench_pgbench_${process.pid}_${randomBytes(3).toString('hex')}`;
  // The server's own way in: a `host` parameter names a Unix socket directory (see bench/README item 42).
  const host = target.searchParams.get('host') ?? target.hostname;
  const connection = ['-h', host, '-p', target.port || '5432', '-U', decodeURIComponent(target.username || 'postgres'), target.pathname.slice(1)];
  const env = childEnv({ PGOPTIONS: `-c search_path=${schema}`, ...(target.password && { PGPASSWORD: decodeURIComponent(target.password) }) });
  await withPg(url, (client) => client.query(`create schema ${schema}`));
  const drop = onCleanup(() => withPg(url, (client) => client.query(`drop schema if exists ${schema} cascade`)));
  try {
    const init = await runToEnd('pgbench', ['-i', '-q', '-s', '1', ...connection], { env, timeoutMs: 120_000 }).catch((error) => ({ code: -1, stderr: error.message }));
    if (init.code !== 0) return { skipped: `pgbench -i failed: ${init.stderr.trim().split('\n').at(-1)}` };
    const run = await runToEnd('pgbench', ['-c', String(clients), '-j', '2', '-T', String(Math.max(1, Math.round(seconds))), ...connection], { env, timeoutMs: (seconds + 120) * 1000 });
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(run.stdout) ?? /tps = ([\d.]+)/.exec(run.stdout);
    if (run.code !== 0 || !tps) return { skipped: `pgbench failed: ${(run.stderr || run.stdout).trim().split('\n').at(-1)}` };
    return { tps: Number(tps[1]), clients, seconds: Math.max(1, Math.round(seconds)), scale: 1 };
  } finally {
    await drop();
  }
}
