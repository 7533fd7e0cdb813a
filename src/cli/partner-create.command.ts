import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { aligned, CLI_ACTOR, commandGroup, listArgument, writeJson, writeNote, writeResult } from './output.js';

type PartnerCreateOptions = { name: string; currency?: string; country?: string[]; language?: string[]; json?: boolean };

/**
 * `resell partner create --name <n>`: a partner (realm = slug of the name, refused when taken) with one
 * POS on the defaults; prints the realm and both secrets once.
 */
export function partnerCreateCommand(program: Command, ctx: CliContext): void {
  commandGroup(program, 'partner', 'partners: create them, allow IPs')
    .command('create')
    .description('create a partner (realm = slug of the name) with one point of sale; prints its secrets once')
    .requiredOption('--name <name>', 'partner name; its slug is the realm')
    .option('--currency <code>', 'currency of the POS (ISO 4217)', 'EUR')
    .option('--country <codes>', 'country (or comma list of countries) of the POS', listArgument)
    .option('--language <codes>', 'language (or comma list, master first) of the POS', listArgument)
    .option('--json', 'print {"partnerId","posId","realmName","clientSecret","secret"}')
    .action(async (options: PartnerCreateOptions) => {
      const app = await ctx.openApp();
      const created = await app.db.transaction().execute((tx) => app.partners.createPartner(tx, options.name, {
        ...(options.currency !== undefined && { currency: options.currency }),
        ...(options.country !== undefined && { countries: options.country }),
        ...(options.language !== undefined && { languages: options.language }),
      }, CLI_ACTOR));
      if (options.json) {
        writeJson(ctx.io, { partnerId: created.partner.id, posId: created.pos.id, realmName: created.partner.realmName, clientSecret: created.clientSecret, secret: created.posSecret });
        return;
      }
      writeResult(ctx.io, aligned([
        ['partner', `${created.partner.id} ${created.partner.name}`],
        ['realm', created.partner.realmName],
        ['client secret', created.clientSecret],
        ['POS', `${created.pos.id} (${created.pos.currency}, ${created.pos.countries.join(',')}, ${created.pos.languages.join(',')})`],
        ['POS secret', created.posSecret],
      ]));
      writeNote(ctx.io, 'Keep both secrets now: they are not shown again (`resell secret rotate` issues new ones).');
    });
}
