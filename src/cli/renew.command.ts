import type { Command } from 'commander';
import { InputError } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import type { CliContext } from './context.js';
import { aligned, writeJson, writeResult } from './output.js';

/** `resell renew [--now <iso>] [--json]`: runs the due renewals, retries and expiries once and prints what happened. */
export function renewCommand(program: Command, ctx: CliContext): void {
  program.command('renew')
    .description('run the due subscription renewals, retries and expiries once')
    .option('--now <iso>', 'act as if it were this instant (ISO 8601 date-time), e.g. to catch up')
    .option('--json', 'print {"renewed","failed","expired"}')
    .action(async (options: { now?: string; json?: boolean }) => {
      let clock: Clock | undefined;
      if (options.now !== undefined) {
        const at = new Date(options.now);
        if (!/^\d{4}-\d{2}-\d{2}T/.test(options.now) || Number.isNaN(at.getTime())) throw new InputError(`--now must be an ISO 8601 date-time, got "${options.now}"`);
        clock = { now: () => at };
      }
      const app = await ctx.openApp(clock ? { clock } : {});
      const run = await app.subscriptions.runDue(app.db);
      if (options.json) {
        writeJson(ctx.io, run);
        return;
      }
      writeResult(ctx.io, aligned([['renewed', String(run.renewed)], ['failed', String(run.failed)], ['expired', String(run.expired)]]));
    });
}
