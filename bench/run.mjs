// The benchmark runner (quality.md §Benchmarks; bench/README.md says how to read it). Runs against the
// compiled dist/ (`npm run bench` builds first), one scenario at a time, each on a fresh database with
// its own server, data and time box; prints the figures and appends the run to bench/results.json.
//
//   node bench/run.mjs [--engine sqlite|postgres] [--quick] [--only createOrder,feed] [--results <file>]
//                      [--database-url <postgres url>] [--duration <s>] [--warmup <s>] [--connections <n>]
//                      [--server-node-args "<node flags for the server, e.g. --cpu-prof>"]
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_POSTGRES_URL, postgresVersion } from './lib/database.mjs';
import { describeMachine } from './lib/machine.mjs';
import { abandonable, cleanupAll, installExitHandlers, isStopping, killAll, MAIN, ROOT } from './lib/processes.mjs';
import { appendResults, scenarioLines, summaryLines } from './lib/report.mjs';
import { openShop } from './lib/shop.mjs';
import { judge } from './lib/targets.mjs';
import createOrder from './scenarios/create-order.mjs';
import feed from './scenarios/feed.mjs';
import getOrderData from './scenarios/get-order-data.mjs';
import getStockStatus from './scenarios/get-stock-status.mjs';
import keyImport from './scenarios/key-import.mjs';
import renewals from './scenarios/renewals.mjs';

/** In quality.md's order. */
const SCENARIOS = [createOrder, getStockStatus, getOrderData, feed, renewals, keyImport];

const USAGE = `usage: node bench/run.mjs [options]
  --engine sqlite|postgres   database of the server (default sqlite; postgres uses --database-url)
  --quick                    small data sets and 2 s runs: proves the scenarios run (CI)
  --only <a,b>               run only these scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}
  --results <file>           append the run to this file (default bench/results.json)
  --database-url <url>       PostgreSQL database to make schemas in (default ${DEFAULT_POSTGRES_URL},
                             or BENCH_DATABASE_URL)
  --duration <s>             measured seconds per load run (default 10, quick 2)
  --warmup <s>               discarded warm-up seconds before each load run (default 3, quick 1)
  --connections <n>          autocannon connections (default 64)
  --server-node-args "<a>"   node flags for the server process (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof")`;

function parseArgs(argv) {
  const options = { engine: 'sqlite', quick: false, only: undefined, results: path.join(ROOT, 'bench', 'results.json'), databaseUrl: process.env.BENCH_DATABASE_URL ?? DEFAULT_POSTGRES_URL, connections: 64, serverNodeArgs: [] };
  // `--name=value` is split into two arguments; a value may itself start with `--` only for --server-node-args.
  const args = [];
  for (let i = 0; i < argv.length; i++) {
    const split = /^(--[a-z-]+)=([\s\S]*)$/.exec(argv[i]);
    if (split) args.push(split[1], split[2]);
    else if (argv[i] === '--server-node-args' && i + 1 < argv.length) args.push(argv[i], argv[++i]);
    else args.push(argv[i]);
  }
  const value = (i, name) => {
    if (i >= args.length || (args[i].startsWith('--') && name !== '--server-node-args')) throw new Error(`${name} needs a value`);
    return args[i];
  };
  const positive = (text, name) => {
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${text}`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    switch (arg) {
      case '--engine': options.engine = value(++i, arg); break;
      case '--quick': options.quick = true; break;
      case '--only': options.only = value(++i, arg).split(',').map((s) => s.trim()).filter(Boolean); break;
      case '--results': options.results = path.resolve(value(++i, arg)); break;
      case '--database-url': options.databaseUrl = value(++i, arg); break;
      case '--duration': options.duration = positive(value(++i, arg), arg); break;
      case '--warmup': options.warmup = Number(value(++i, arg)); break;
      case '--connections': options.connections = Math.round(positive(value(++i, arg), arg)); break;
      case '--server-node-args': options.serverNodeArgs = value(++i, arg).split(/\s+/).filter(Boolean); break;
      case '--help': case '-h': options.help = true; break;
      default: throw new Error(`unknown option ${arg}`);
    }
  }
  if (options.engine === 'pg') options.engine = 'postgres';
  if (!['sqlite', 'postgres'].includes(options.engine)) throw new Error(`--engine must be sqlite or postgres, got ${options.engine}`);
  const unknown = (options.only ?? []).filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  options.duration ??= options.quick ? 2 : 10;
  options.warmup ??= options.quick ? 1 : 3;
  return options;
}

const log = (text) => process.stderr.write(`${text}\n`);

/** Runs one scenario inside its time box; whatever happens, its processes are killed and its data removed. */
async function runScenario(scenario, options) {
  const started = Date.now();
  const ctx = {
    engine: options.engine,
    quick: options.quick,
    postgresUrl: options.databaseUrl,
    load: { connections: options.connections, duration: options.duration, warmup: options.warmup },
    log: (text) => log(`  [${scenario.name}] ${text}`),
    openShop: () => openShop({ engine: options.engine, postgresUrl: options.databaseUrl, serverNodeArgs: options.serverNodeArgs }),
  };
  const limit = scenario.timeoutSeconds(options.quick);
  let timer;
  const timedOut = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${limit} s`)), limit * 1000);
  });
  const running = abandonable(() => scenario.run(ctx));
  let result;
  try {
    const figures = await Promise.race([running.promise, timedOut]);
    if (figures.skipped) result = { name: scenario.name, skipped: figures.skipped };
    else result = { name: scenario.name, ...figures, ...judge(scenario.name, options.engine, options.quick, figures) };
  } catch (error) {
    result = { name: scenario.name, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
    running.abandon();
    // A finished scenario leaves only its server, stopped gracefully by the cleanup (a --cpu-prof
    // profile gets written); after a failure everything is killed first, so nothing holds the database.
    if (!result || result.error) await killAll();
    await cleanupAll();
    await killAll();
  }
  result.wallSeconds = (Date.now() - started) / 1000;
  return result;
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    log(`${error.message}\n\n${USAGE}`);
    process.exit(1);
  }
  if (options.help) {
    log(USAGE);
    return;
  }
  if (!fs.existsSync(MAIN)) {
    log(`${path.relative(ROOT, MAIN)} is missing: build first (npm run build), or use npm run bench`);
    process.exit(1);
  }
  installExitHandlers();
  const machine = describeMachine();
  if (options.engine === 'postgres') machine.postgres = await postgresVersion(options.databaseUrl);
  const chosen = SCENARIOS.filter((s) => !options.only || options.only.includes(s.name));
  log(`resell bench: ${options.engine}${options.quick ? ', quick' : ''}; ${machine.cpus} × ${machine.cpuModel}, ${machine.totalMemoryMb} MB, node ${machine.node}${machine.postgres ? `, PostgreSQL ${machine.postgres}` : ''}`);
  log(`load: autocannon in its own process, ${options.connections} connections, ${options.warmup} s warm-up + ${options.duration} s measured\n`);

  const run = {
    date: new Date().toISOString(),
    engine: options.engine,
    quick: options.quick,
    machine,
    load: { connections: options.connections, warmupSeconds: options.warmup, durationSeconds: options.duration },
    scenarios: [],
  };
  for (const scenario of chosen) {
    log(`▶ ${scenario.name}: ${scenario.describe}`);
    const result = await runScenario(scenario, options);
    if (isStopping()) return; // interrupted: the signal handler cleans up and exits; nothing is recorded
    run.scenarios.push(result);
    process.stdout.write(`${scenarioLines(result).join('\n')}\n\n`);
  }
  process.stdout.write(`${summaryLines(run).join('\n')}\n`);
  appendResults(options.results, run);
  const shown = path.relative(process.cwd(), options.results);
  log(`\nresults appended to ${shown.startsWith('..') ? options.results : shown}`);
  if (run.scenarios.some((s) => s.error)) process.exitCode = 1;
}

await main();
