import type { Command } from 'commander';
import type { CliContext } from './context.js';

/** `resell migrate`: brings the database schema up to date. */
export function migrateCommand(program: Command, ctx: CliContext): void {
  program.command('migrate')
    .description('bring the database schema up to date (start does it too)')
    .action(async () => {
      await ctx.openApp();
      ctx.io.stderr.write('database schema is up to date\n');
    });
}
