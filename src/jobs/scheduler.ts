import type { Logger } from 'pino';
import type { App } from '../app.js';
import { renewalsJob } from './renewals.job.js';

/** A scheduled job: run every `everyMs` by each worker; jobs claim their work with row locks, so workers may overlap. */
export type Job = { name: string; everyMs: number; run(app: App, now: Date): Promise<void> };

/** Every scheduled job of `resell start --role all|worker` (renewals, expiries, webhook delivery come here). */
export const JOBS: readonly Job[] = [renewalsJob];

/** How often the scheduler looks for a due job. */
const TICK_MS = 1000;

/**
 * Runs the due jobs of `jobs` on a timer until the returned function is called; that function waits
 * for the jobs still running. A failing job is logged and tried again at its next turn.
 */
export function startWorker(app: App, logger: Logger, jobs: readonly Job[] = JOBS): () => Promise<void> {
  const nextRunAt = new Map(jobs.map((job) => [job.name, 0]));
  const running = new Set<Promise<void>>();
  if (jobs.length === 0) logger.info('worker started: no scheduled jobs exist yet');
  else logger.info({ jobs: jobs.map((j) => j.name) }, 'worker started');

  // The timer also keeps a worker-only process alive while it has nothing to do.
  const timer = setInterval(() => {
    const now = app.clock.now();
    for (const job of jobs) {
      if (now.getTime() < (nextRunAt.get(job.name) ?? 0)) continue;
      nextRunAt.set(job.name, Number.POSITIVE_INFINITY); // not again while this run lasts
      const run = job.run(app, now)
        .catch((error: unknown) => logger.error({ err: error, job: job.name }, 'scheduled job failed'))
        .finally(() => {
          nextRunAt.set(job.name, app.clock.now().getTime() + job.everyMs);
          running.delete(run);
        });
      running.add(run);
    }
  }, TICK_MS);

  return async () => {
    clearInterval(timer);
    await Promise.all([...running]);
    logger.info('worker stopped');
  };
}
