import type { Job } from './scheduler.js';

/**
 * Due renewals, retries of failed renewals and expiries, every minute on each worker. Each
 * subscription is its own unit of work, claimed with a row lock, so workers may run side by side.
 */
export const renewalsJob: Job = {
  name: 'renewals',
  everyMs: 60_000,
  async run(app) {
    await app.subscriptions.runDue(app.units);
  },
};
