// Child processes of the benchmark runner: every one is tracked, so that a finished or timed-out
// scenario, an error or a signal (Ctrl-C) never leaves a server, a driver or a CLI command behind.
// Cleanups (temp folders, PostgreSQL schemas) are registered here too and run once, on any exit path.
import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const MAIN = path.join(ROOT, 'dist', 'main.js');

const running = new Set();
const cleanups = new Set();

/** The environment every child gets: only what a shell needs, plus `extra` (nothing else leaks in, e.g. a DATABASE_URL). */
export function childEnv(extra = {}) {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  const env = {};
  for (const name of keep) if (process.env[name] !== undefined) env[name] = process.env[name];
  return { ...env, ...extra };
}

const scope = new AsyncLocalStorage();

/**
 * Runs `work` as an abandonable unit (a scenario): once `abandon()` is called (its time box ran out),
 * any process it still tries to start is refused, so work left running in the background stays inert.
 */
export function abandonable(work) {
  const state = { abandoned: false };
  return { promise: scope.run(state, work), abandon: () => { state.abandoned = true; } };
}

/** Spawns and tracks a child; it is SIGKILLed if still running when the runner ends or a scenario is abandoned. */
export function spawnTracked(command, args, options = {}) {
  if (scope.getStore()?.abandoned) throw new Error('scenario abandoned (time box over): not starting another process');
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  running.add(child);
  child.once('exit', () => running.delete(child));
  child.once('error', () => running.delete(child));
  return child;
}

/** Resolves with { code, signal } once `child` has ended (at once if it already has). */
export function exitOf(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ code: -1, signal: null, error }));
  });
}

/**
 * Runs a command to its end and collects its output: { code, signal, stdout, stderr, seconds }.
 * `timeoutMs` kills it (SIGKILL) and rejects; `input` is written to its stdin.
 */
export async function runToEnd(command, args, { env, cwd = ROOT, timeoutMs = 600_000, input } = {}) {
  const started = process.hrtime.bigint();
  const child = spawnTracked(command, args, { env, cwd, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => { stdout += chunk; });
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  if (input !== undefined) child.stdin.end(input);
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
  const { code, signal, error } = await exitOf(child);
  clearTimeout(timer);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (error) throw error;
  if (timedOut) throw new Error(`${path.basename(args[1] ?? command)} ${args.slice(2, 4).join(' ')} killed after ${timeoutMs / 1000} s`);
  return { code, signal, stdout, stderr, seconds };
}

/** Sends SIGTERM, waits up to `graceMs`, then SIGKILL. */
export async function stopChild(child, graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return exitOf(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const exit = await exitOf(child);
  clearTimeout(timer);
  return exit;
}

/** SIGKILLs every tracked child still running and waits for them to be gone. */
export async function killAll() {
  const left = [...running];
  for (const child of left) child.kill('SIGKILL');
  await Promise.all(left.map(exitOf));
}

/** Registers a cleanup (async allowed); returns a function that runs it once (later calls await that run) and unregisters it. */
export function onCleanup(cleanup) {
  let running;
  const once = () => {
    running ??= (async () => {
      try {
        await cleanup();
      } finally {
        cleanups.delete(once);
      }
    })();
    return running;
  };
  cleanups.add(once);
  return once;
}

/** Runs every registered cleanup still pending; a failing cleanup is reported, not thrown. */
export async function cleanupAll() {
  for (const cleanup of [...cleanups]) {
    try {
      await cleanup();
    } catch (error) {
      process.stderr.write(`cleanup failed: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
}

let handlersInstalled = false;
let stopping = false;

/** Whether a stop signal arrived: the run is abandoned and nothing more is recorded. */
export function isStopping() {
  return stopping;
}

/** On SIGINT/SIGTERM: kill the children, clean up, exit 130/143. On any exit: kill what is left (synchronously). */
export function installExitHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const onSignal = (signal) => {
    stopping = true;
    process.stderr.write(`\n${signal}: stopping every child process and cleaning up\n`);
    killAll().then(cleanupAll).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}
