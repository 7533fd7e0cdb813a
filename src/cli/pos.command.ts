import { InvalidArgumentError, Option, type Command } from 'commander';
import type { App } from '../app.js';
import type { Tx } from '../db/schema.js';
import { findProducts } from '../domains/catalog/index.js';
import type { PointOfSale, PosSettings, VatPolicy } from '../domains/partners/index.js';
import { InputError } from '../shared/errors.js';
import { formatMinor, toMinor } from '../shared/money.js';
import type { CliContext } from './context.js';
import { aligned, CLI_ACTOR, idArgument, idListArgument, listArgument, wholeNumberArgument, writeJson, writeNote, writeResult } from './output.js';

/** A `--price <ref>=<amount>` flag: an amount in the POS currency's decimal units, or `off` to remove. */
type PriceFlag = { ref: number; amount: string };

type PosFlags = {
  name?: string;
  currency?: string;
  country?: string[];
  languages?: string[];
  descriptionLanguage?: string;
  publishers?: number[];
  categories?: number[];
  refs?: number[];
  price?: PriceFlag[];
  cancelWindowDays?: number;
  vatPolicy?: VatPolicy;
  rateLimit?: number;
  suspend?: boolean;
  resume?: boolean;
  json?: boolean;
};

const refArgument = idArgument('product ref');

function priceArgument(value: string, previous: PriceFlag[] = []): PriceFlag[] {
  const match = /^\s*([^=\s]+)\s*=\s*(\S+)\s*$/.exec(value);
  if (!match) throw new InvalidArgumentError('a price is <ref>=<amount> (e.g. 733551=19.99, or <ref>=off to remove it)');
  const amount = match[2]!.toLowerCase() === 'off' ? 'off' : match[2]!;
  if (amount !== 'off' && !/^\d+(\.\d+)?$/.test(amount)) throw new InvalidArgumentError(`"${amount}" is not an amount such as 19.99`);
  return [...previous, { ref: refArgument(match[1]!), amount }];
}

/** Requests per second; 0 (also written `off`) means no limit. Not null: commander would replace it. */
function rateLimitArgument(value: string): number {
  const text = value.trim().toLowerCase();
  if (text === 'off') return 0;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 1_000_000) throw new InvalidArgumentError('rate limit is a whole number of requests per second, or 0/off');
  return n;
}

/** Adds every POS setting of rules.md as a flag. */
function withSettingFlags(command: Command): Command {
  return command
    .option('--name <name>', 'POS name')
    .option('--currency <code>', 'currency (ISO 4217)')
    .option('--country <codes>', 'country, or comma list of countries (the territory)', listArgument)
    .option('--languages <codes>', 'comma list of catalog languages, the master language first', listArgument)
    .option('--description-language <code>', 'language of product descriptions')
    .option('--publishers <ids>', 'sell the products of these publishers (comma list; empty for none)', idListArgument('publisher id'))
    .option('--categories <ids>', 'sell the products of these categories (comma list; empty for none)', idListArgument('category id'))
    .option('--refs <refs>', 'sell these products (comma list; empty for none); all lists empty = whole catalog', idListArgument('product ref'))
    .option('--price <ref=amount>', 'sale price override in the POS currency, repeatable; <ref>=off removes it', priceArgument)
    .option('--cancel-window-days <days>', 'days during which an order can be cancelled', wholeNumberArgument('cancel window', 0, 3650))
    .addOption(new Option('--vat-policy <policy>', 'strict: refuse orders whose VAT is wrong; record: keep them').choices(['strict', 'record']))
    .option('--rate-limit <per-second>', 'requests per second (0 or off: no limit)', rateLimitArgument)
    .addOption(new Option('--suspend', 'suspend the POS: its calls answer 71').conflicts('resume'))
    .option('--resume', 'resume a suspended POS');
}

function settingsOf(flags: PosFlags): PosSettings {
  return {
    ...(flags.name !== undefined && { name: flags.name }),
    ...(flags.currency !== undefined && { currency: flags.currency }),
    ...(flags.country !== undefined && { countries: flags.country }),
    ...(flags.languages !== undefined && { languages: flags.languages }),
    ...(flags.descriptionLanguage !== undefined && { descriptionLanguage: flags.descriptionLanguage }),
    ...(flags.publishers !== undefined && { publishers: flags.publishers }),
    ...(flags.categories !== undefined && { categories: flags.categories }),
    ...(flags.refs !== undefined && { refs: flags.refs }),
    ...(flags.cancelWindowDays !== undefined && { cancelWindowDays: flags.cancelWindowDays }),
    ...(flags.vatPolicy !== undefined && { vatPolicy: flags.vatPolicy }),
    ...(flags.rateLimit !== undefined && { rateLimit: flags.rateLimit === 0 ? null : flags.rateLimit }),
    ...(flags.suspend && { suspended: true }),
    ...(flags.resume && { suspended: false }),
  };
}

/** Stores the price overrides in the POS currency; InputError for an unknown product or a bad amount. */
async function setPrices(app: App, tx: Tx, pos: PointOfSale, prices: readonly PriceFlag[]): Promise<string[]> {
  if (prices.length === 0) return [];
  const products = await findProducts(tx, prices.map((p) => p.ref));
  const shown: string[] = [];
  for (const { ref, amount } of prices) {
    if (!products.has(ref)) throw new InputError(`product ${ref} does not exist`);
    const minor = amount === 'off' ? null : toMinor(Number(amount), pos.currency);
    if (minor === undefined) throw new InputError(`price ${amount} for product ${ref} is not an amount in ${pos.currency}`);
    await app.partners.setPosPrice(tx, pos.id, ref, minor, CLI_ACTOR);
    shown.push(minor === null ? `${ref}=off` : `${ref}=${formatMinor(minor, pos.currency)}`);
  }
  return shown;
}

function describePos(pos: PointOfSale, prices: readonly string[]): string[] {
  const list = (ids: number[]) => (ids.length ? ids.join(',') : '-');
  const whole = pos.productList.publishers.length + pos.productList.categories.length + pos.productList.refs.length === 0;
  return aligned([
    ['POS', `${pos.id} ${pos.name} (partner ${pos.partnerId})`],
    ['currency', pos.currency],
    ['countries', pos.countries.join(',')],
    ['languages', pos.languages.join(',')],
    ['description language', pos.descriptionLanguage],
    ['products', whole ? 'whole catalog' : `publishers ${list(pos.productList.publishers)}; categories ${list(pos.productList.categories)}; refs ${list(pos.productList.refs)}`],
    ...(prices.length ? [['prices set', prices.join(' ')] as const] : []),
    ['cancel window', `${pos.cancelWindowDays} days`],
    ['VAT policy', pos.vatPolicy],
    ['rate limit', pos.rateLimit === null ? 'off' : `${pos.rateLimit}/s`],
    ['IP allow-list', pos.ipAllowList.length ? pos.ipAllowList.join(' ') : 'everyone'],
    ['status', pos.suspended ? 'suspended' : 'active'],
  ]);
}

/** `resell pos create` and `resell pos update`: every POS setting is a flag; create prints the new secret once. */
export function posCommand(program: Command, ctx: CliContext): void {
  const pos = program.command('pos').description('points of sale: create one, change its settings');

  withSettingFlags(pos.command('create')
    .description('create a point of sale for a partner (defaults: EUR, FR, fr, whole catalog); prints its secret once')
    .requiredOption('--partner <id>', 'partner id', idArgument('partner id')))
    .option('--json', 'print {"posId","secret"}')
    .action(async (flags: PosFlags & { partner: number }) => {
      const app = await ctx.openApp();
      const { created, prices } = await app.db.transaction().execute(async (tx) => {
        const created = await app.partners.createPointOfSale(tx, flags.partner, settingsOf(flags), CLI_ACTOR);
        return { created, prices: await setPrices(app, tx, created.pos, flags.price ?? []) };
      });
      if (flags.json) {
        writeJson(ctx.io, { posId: created.pos.id, secret: created.secret });
        return;
      }
      writeResult(ctx.io, [...describePos(created.pos, prices), ...aligned([['POS secret', created.secret]])]);
      writeNote(ctx.io, 'Keep the POS secret now: it is not shown again (`resell secret rotate --pos` issues a new one).');
    });

  withSettingFlags(pos.command('update')
    .description('change the given settings of a point of sale and keep the others')
    .requiredOption('--pos <id>', 'POS id', idArgument('POS id')))
    .option('--json', 'print the POS settings as JSON')
    .action(async (flags: PosFlags & { pos: number }) => {
      const settings = settingsOf(flags);
      const priceFlags = flags.price ?? [];
      if (Object.keys(settings).length === 0 && priceFlags.length === 0) throw new InputError('nothing to change: give at least one setting flag (see `resell pos update --help`)');
      const app = await ctx.openApp();
      const { updated, prices } = await app.db.transaction().execute(async (tx) => {
        const updated = Object.keys(settings).length === 0
          ? await app.partners.getPointOfSale(tx, flags.pos)
          : await app.partners.updatePointOfSale(tx, flags.pos, settings, CLI_ACTOR);
        return { updated, prices: await setPrices(app, tx, updated, priceFlags) };
      });
      if (flags.json) {
        writeJson(ctx.io, updated);
        return;
      }
      writeResult(ctx.io, describePos(updated, prices));
    });
}
