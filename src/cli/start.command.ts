import { Option, type Command } from 'commander';
import type { Role } from '../config.js';
import { loadDemo } from '../demo/load-demo.js';
import { createLogger } from '../logger.js';
import { startServer } from '../serve.js';
import type { CliContext } from './context.js';

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/** A promise of the first stop signal; `dispose` removes the handlers (a second signal then kills at once). */
function waitForStopSignal(): { signal: Promise<NodeJS.Signals>; dispose(): void } {
  let handler: (signal: NodeJS.Signals) => void = () => {};
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    handler = (received) => {
      dispose();
      resolve(received);
    };
  });
  const dispose = () => STOP_SIGNALS.forEach((s) => process.off(s, handler));
  STOP_SIGNALS.forEach((s) => process.on(s, handler));
  return { signal, dispose };
}

/**
 * `resell start [--role all|api|worker] [--no-demo]`: migrates, loads the demo on a first run, serves
 * until SIGTERM/SIGINT, then closes the server, the jobs and (through the runner) the database.
 */
export function startCommand(program: Command, ctx: CliContext): void {
  program.command('start')
    .description('serve the partner API and run the scheduled jobs (migrates first; demo data on an empty database)')
    .addOption(new Option('--role <role>', 'all: HTTP and jobs; api: HTTP only; worker: jobs only').choices(['all', 'api', 'worker']).default('all'))
    .option('--no-demo', 'start without demo data even on an empty database (as DEMO=false)')
    .action(async (options: { role: Role; demo: boolean }) => {
      const stop = waitForStopSignal();
      try {
        const app = await ctx.openApp();
        const logger = createLogger(app.config.logLevel);
        const running = await startServer(app, { role: options.role, demo: options.demo && app.config.demo }, { loadDemo, stderr: ctx.io.stderr, logger });
        const signal = await stop.signal;
        logger.info({ signal }, 'stopping');
        await running.stop();
      } finally {
        stop.dispose();
      }
    });
}
