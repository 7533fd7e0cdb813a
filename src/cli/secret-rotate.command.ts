import { Option, type Command } from 'commander';
import { InputError } from '../shared/errors.js';
import type { CliContext } from './context.js';
import { CLI_ACTOR, idArgument, wholeNumberArgument, writeJson, writeNote, writeResult } from './output.js';

type RotateOptions = { partner?: number; pos?: number; overlapHours: number; json?: boolean };

/**
 * `resell secret rotate --partner <id> | --pos <id> [--overlap-hours 24]`: issues a new client or POS
 * secret, printed once; the current ones stay valid for the overlap (0 revokes them at once).
 */
export function secretRotateCommand(program: Command, ctx: CliContext): void {
  program.command('secret').description('client and POS secrets')
    .command('rotate')
    .description('issue a new client secret (--partner) or POS secret (--pos), printed once')
    .addOption(new Option('--partner <id>', 'rotate the client secret of this partner').argParser(idArgument('partner id')).conflicts('pos'))
    .addOption(new Option('--pos <id>', 'rotate the secret of this point of sale').argParser(idArgument('POS id')))
    .option('--overlap-hours <hours>', 'hours the current secrets stay valid (0: revoked now)', wholeNumberArgument('overlap', 0, 8760), 24)
    .option('--json', 'print {"clientSecret"} or {"secret"}')
    .action(async (options: RotateOptions) => {
      if (options.partner === undefined && options.pos === undefined) throw new InputError('give --partner <id> (client secret) or --pos <id> (POS secret)');
      const app = await ctx.openApp();
      const overlap = options.overlapHours;
      const until = overlap === 0 ? 'were revoked now' : `stay valid until ${new Date(app.clock.now().getTime() + overlap * 3_600_000).toISOString()}`;
      if (options.partner !== undefined) {
        const partnerId = options.partner;
        const secret = await app.db.transaction().execute((tx) => app.partners.rotateClientSecret(tx, partnerId, overlap, CLI_ACTOR));
        if (options.json) return writeJson(ctx.io, { clientSecret: secret });
        writeResult(ctx.io, [`client secret  ${secret}`]);
        writeNote(ctx.io, `New client secret of partner ${partnerId}, shown once; the previous ones ${until}.`);
        return;
      }
      const posId = options.pos!;
      const secret = await app.db.transaction().execute((tx) => app.partners.rotatePosSecret(tx, posId, overlap, CLI_ACTOR));
      if (options.json) return writeJson(ctx.io, { secret });
      writeResult(ctx.io, [`POS secret  ${secret}`]);
      writeNote(ctx.io, `New secret of POS ${posId}, shown once; the previous ones ${until}.`);
    });
}
