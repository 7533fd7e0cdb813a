import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { CLI_ACTOR, commandGroup, idArgument, writeJson, writeResult } from './output.js';

/** `resell partner allow-ip --pos <id> <ip-or-cidr>`: adds a fixed IP or CIDR range to a POS allow-list. */
export function allowIpCommand(program: Command, ctx: CliContext): void {
  commandGroup(program, 'partner', 'partners: create them, allow IPs')
    .command('allow-ip')
    .description('add an IPv4/IPv6 address or CIDR range to the allow-list of a point of sale (host names are refused)')
    .requiredOption('--pos <id>', 'POS id', idArgument('POS id'))
    .argument('<ip-or-cidr>', 'e.g. 203.0.113.7, 2001:db8::1 or 203.0.113.0/24')
    .option('--json', 'print {"posId","ipAllowList"}')
    .action(async (entry: string, options: { pos: number; json?: boolean }) => {
      const app = await ctx.openApp();
      const list = await app.db.transaction().execute((tx) => app.partners.allowIp(tx, options.pos, entry, CLI_ACTOR));
      if (options.json) {
        writeJson(ctx.io, { posId: options.pos, ipAllowList: list });
        return;
      }
      writeResult(ctx.io, [`POS ${options.pos} accepts calls from: ${list.join(' ')}`]);
    });
}
