import type { Command } from 'commander';
import { loadDemo } from '../demo/load-demo.js';
import { isEmptyDatabase } from '../first-run.js';
import { CliExit, type CliContext } from './context.js';
import { aligned, writeJson, writeResult } from './output.js';

/** `resell demo [--json]`: loads the demo dataset into an empty database and prints the demo partner's credentials once. */
export function demoCommand(program: Command, ctx: CliContext): void {
  program.command('demo')
    .description('load the demo dataset (catalog, keys, a demo partner and POS) into an empty database')
    .option('--json', 'print {"partnerId","posId","realmName","clientSecret","secret"}')
    .action(async (options: { json?: boolean }) => {
      const app = await ctx.openApp();
      if (!(await isEmptyDatabase(app.db))) throw new CliExit(1, 'the database already holds partners or products: the demo loads only into an empty one');
      const demo = await loadDemo(app);
      if (options.json) {
        writeJson(ctx.io, { partnerId: demo.partnerId, posId: demo.posId, realmName: demo.realmName, clientSecret: demo.clientSecret, secret: demo.posSecret });
        return;
      }
      writeResult(ctx.io, aligned([['realm', demo.realmName], ['client secret', demo.clientSecret], ['POS secret', demo.posSecret], ['partner id', String(demo.partnerId)], ['POS id', String(demo.posId)]]));
    });
}
