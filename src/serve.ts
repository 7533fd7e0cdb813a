import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { App } from './app.js';
import type { Role } from './config.js';
import { startCheckpointer, type Checkpointer } from './db/checkpointer.js';
import { runFirstRun, type DemoLoader } from './first-run.js';
import { buildServer } from './http/server.js';
import { startWorker } from './jobs/scheduler.js';

export type ServeOptions = {
  /** `all`: HTTP and scheduled jobs; `api`: HTTP only; `worker`: scheduled jobs only. */
  role: Role;
  /** Load the demo dataset when the database is empty (config.demo and no `--no-demo`). */
  demo: boolean;
};

/** The edges `start` is given, so tests can replace the demo loader and capture what a person sees. */
export type ServeDeps = {
  loadDemo: DemoLoader;
  /** Where the first-run credentials are printed (the terminal, never the logger). */
  stderr: { write(text: string): unknown };
  logger: Logger;
};

export type RunningServer = {
  /** The address the HTTP server listens on; undefined for the worker role. */
  url: string | undefined;
  /** Stops taking requests, lets the ones in flight and the running jobs finish. The App stays open. */
  stop(): Promise<void>;
};

/** How often the server checkpoints the SQLite WAL from its own thread. */
const CHECKPOINT_EVERY_MS = 250;

/** A SQLite server checkpoints from a thread of its own, so no commit of a request carries a checkpoint. */
function startWalCheckpoints(app: App, logger: Logger): Checkpointer | undefined {
  if (app.config.engine !== 'sqlite' || app.config.sqlitePath === ':memory:') return undefined;
  const checkpointer = startCheckpointer(app.config.sqlitePath, { everyMs: CHECKPOINT_EVERY_MS });
  checkpointer.events.on('error', (error: Error) => logger.warn({ err: error }, 'checkpoint thread failed; commits checkpoint again'));
  return checkpointer;
}

/**
 * What `resell start` runs on a migrated App: the HTTP server on HOST:PORT (roles all/api), then the
 * first run (demo and credentials, once), then the scheduler (roles all/worker). Listening comes first
 * so that a taken port stops start before the demo changes anything, and the printed URLs answer.
 * Throws when `listen` or the demo loader fails, with everything it started stopped again.
 */
export async function startServer(app: App, options: ServeOptions, deps: ServeDeps): Promise<RunningServer> {
  let server: FastifyInstance | undefined;
  let url: string | undefined;
  try {
    if (options.role !== 'worker') {
      server = await buildServer(app, deps.logger);
      url = await server.listen({ host: app.config.host, port: app.config.port });
    }
    await runFirstRun(app, { demo: options.demo, loadDemo: deps.loadDemo, stderr: deps.stderr });
  } catch (error) {
    await server?.close();
    throw error;
  }
  const stopWorker = options.role === 'api' ? undefined : startWorker(app, deps.logger);
  const checkpointer = startWalCheckpoints(app, deps.logger);
  deps.logger.info({ role: options.role, url, publicUrl: app.config.publicUrl }, 'resell started');
  return {
    url,
    async stop() {
      await server?.close();
      await stopWorker?.();
      await checkpointer?.stop();
    },
  };
}
