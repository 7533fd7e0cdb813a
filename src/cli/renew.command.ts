import type { Command } from 'commander';
import { Temporal } from 'temporal-polyfill';
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
        const at = instantOf(options.now);
        if (at === undefined) throw new InputError(`--now must be an ISO 8601 date-time with an offset (e.g. 2027-01-31T10:00:00Z), got ${JSON.stringify(options.now)}`);
        clock = { now: () => new Date(at) };
      }
      const app = await ctx.openApp(clock ? { clock } : {});
      const run = await app.subscriptions.runDue(app.units);
      if (options.json) {
        writeJson(ctx.io, run);
        return;
      }
      writeResult(ctx.io, aligned([['renewed', String(run.renewed)], ['failed', String(run.failed)], ['expired', String(run.expired)]]));
    });
}

/**
 * The instant of an ISO 8601 date-time with an offset (`Z`, `+02:00`), in epoch milliseconds; undefined
 * for anything else, an impossible date (`2027-02-30`) or a time without offset (local time) included.
 */
function instantOf(text: string): number | undefined {
  try {
    return Temporal.Instant.from(text.trim()).epochMilliseconds;
  } catch {
    return undefined;
  }
}
