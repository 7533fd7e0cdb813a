import { Option, type Command } from 'commander';
import type { FeedFormat, FeedProductList, FeedSettings, ListKind } from '../domains/feeds/index.js';
import type { CliContext } from './context.js';
import { aligned, CLI_ACTOR, idArgument, idListArgument, listArgument, wholeNumberArgument, writeJson, writeResult } from './output.js';

type FeedFlags = {
  partner: number;
  pos: number;
  name?: string;
  format?: 'csv' | 'xml';
  excel?: boolean;
  charset?: string;
  separator?: string;
  delimiter?: string;
  eol?: 'crlf' | 'lf';
  columns?: string[];
  provider?: ListKind;
  limit?: number;
  language?: string;
  descriptionLanguage?: string;
  categories?: number[];
  publishers?: number[];
  refs?: number[];
  nameFilter?: string;
  json?: boolean;
};

function settingsOf(flags: FeedFlags): FeedSettings {
  return {
    ...(flags.name !== undefined && { name: flags.name }),
    ...(flags.format !== undefined && { output: flags.format }),
    ...(flags.excel !== undefined && { excel: flags.excel }),
    ...(flags.charset !== undefined && { charset: flags.charset as FeedSettings['charset'] }),
    ...(flags.separator !== undefined && { separator: flags.separator }),
    ...(flags.delimiter !== undefined && { delimiter: flags.delimiter }),
    ...(flags.eol !== undefined && { eol: flags.eol }),
    ...(flags.columns !== undefined && { columns: flags.columns }),
    ...(flags.provider !== undefined && { kind: flags.provider }),
    ...(flags.limit !== undefined && { maxProducts: flags.limit }),
    ...(flags.language !== undefined && { language: flags.language }),
    ...(flags.descriptionLanguage !== undefined && { descriptionLanguage: flags.descriptionLanguage }),
    ...(flags.categories !== undefined && { categories: flags.categories }),
    ...(flags.publishers !== undefined && { publishers: flags.publishers }),
    ...(flags.refs !== undefined && { refs: flags.refs }),
    ...(flags.nameFilter !== undefined && { nameFilter: flags.nameFilter }),
  };
}

function describeFeed(format: FeedFormat, list: FeedProductList, url: string): string[] {
  const ids = (values: number[]) => (values.length ? values.join(',') : '-');
  const csv = format.excel ? 'Excel (UTF-8 with BOM, ;, CRLF)' : `${format.charset}, separator ${JSON.stringify(format.separator)}, delimiter ${JSON.stringify(format.delimiter)}, ${format.eol}`;
  return aligned([
    ['feed format (config)', `${format.id} ${format.name}: version ${format.version}, ${format.output.toUpperCase()}${format.output === 'csv' ? `, ${csv}` : ''}`],
    ...(format.output === 'csv' ? [['columns', format.columns.join(', ')] as const] : []),
    ['product list (provider)', `${list.id} ${list.name}: ${list.kind}${list.maxProducts === null ? '' : `, at most ${list.maxProducts}`}, POS ${list.posId}`],
    ['languages', `${list.language}, descriptions in ${list.descriptionLanguage}`],
    ['filters', `categories ${ids(list.categories)}; publishers ${ids(list.publishers)}; refs ${ids(list.refs)}; name ${list.nameFilter ?? '-'}`],
    ['URL', url],
  ]);
}

/** `resell feed create`: defines a feed format and a product list for a partner's POS, and prints the feed URL. */
export function feedCommand(program: Command, ctx: CliContext): void {
  const feed = program.command('feed').description('product feeds: define a feed format and product list');
  feed.command('create')
    .description('define a feed (format + product list) for a partner\'s point of sale; prints its URL, with {secret} for the POS secret')
    .requiredOption('--partner <id>', 'partner id', idArgument('partner id'))
    .requiredOption('--pos <id>', 'POS id (the territory: its currency and prices)', idArgument('POS id'))
    .option('--name <name>', 'name of the format and the list')
    .addOption(new Option('--format <output>', 'feed output').choices(['csv', 'xml']))
    .option('--excel', 'Excel compatible CSV: UTF-8 with BOM, ; separator, CRLF')
    .option('--charset <charset>', 'CSV charset: UTF-8 or ISO-8859-1')
    .option('--separator <char>', 'CSV separator (one character, or "tab")')
    .option('--delimiter <char>', 'CSV text delimiter (one character)')
    .addOption(new Option('--eol <ending>', 'CSV line ending').choices(['crlf', 'lf']))
    .option('--columns <names>', 'CSV columns in order (comma list of 2.4 column names)', listArgument)
    .addOption(new Option('--provider <kind>', 'products: the whole POS catalog, Top selling or New').choices(['full', 'top', 'new']))
    .option('--limit <n>', 'at most this many products', wholeNumberArgument('limit', 1, 10_000_000))
    .option('--language <code>', 'master language: ALL or a two-letter code (default: the POS master language)')
    .option('--description-language <code>', 'language of descriptions (default: the POS description language)')
    .option('--categories <ids>', 'only these categories (comma list)', idListArgument('category id'))
    .option('--publishers <ids>', 'only these publishers (comma list)', idListArgument('publisher id'))
    .option('--refs <refs>', 'only these products (comma list)', idListArgument('product ref'))
    .option('--name-filter <text>', 'only products whose name contains this text')
    .option('--json', 'print {"provider","config","url"}')
    .action(async (flags: FeedFlags) => {
      const app = await ctx.openApp();
      const { format, list } = await app.db.transaction().execute((tx) => app.feeds.createFeed(tx, flags.partner, flags.pos, settingsOf(flags), CLI_ACTOR));
      const url = app.feeds.feedUrl(list, format);
      if (flags.json) {
        writeJson(ctx.io, { provider: list.id, config: format.id, url });
        return;
      }
      writeResult(ctx.io, describeFeed(format, list, url));
    });
}
