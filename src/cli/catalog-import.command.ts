import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { CSV_CHARSETS, CSV_LAYOUTS, openCatalogCsv, type CsvCharset, type CsvLayout, type ImportSummary } from '../domains/catalog/index.js';
import { InputError } from '../shared/errors.js';
import { CliExit, type CliContext, type CliIo } from './context.js';
import { fileProgress } from './progress.js';
import { aligned, CLI_ACTOR, commandGroup, writeJson, writeNote, writeResult } from './output.js';

type ImportOptions = { format?: CsvLayout; charset: CsvCharset; json?: boolean };

function oneOf<T extends string>(what: string, values: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(values as readonly string[]).includes(value)) throw new InvalidArgumentError(`${what} must be one of ${values.join(', ')}`);
    return value as T;
  };
}

/** `resell catalog import <file>`: a catalog JSON file (all or nothing) or a CSV feed (row by row). */
export function catalogImportCommand(program: Command, ctx: CliContext): void {
  commandGroup(program, 'catalog', 'the product catalog')
    .command('import <file>')
    .description('import products: a catalog JSON file (.json), or a CSV in the Nexway or the 2.4 layout')
    .option('--format <layout>', `CSV layout, ${CSV_LAYOUTS.join(' or ')} (default: told by the header)`, oneOf('--format', CSV_LAYOUTS))
    .option('--charset <charset>', `CSV charset, ${CSV_CHARSETS.join(' or ')}`, oneOf('--charset', CSV_CHARSETS), 'utf-8')
    .option('--json', 'print {"inserted","updated","rejected"} as one JSON document')
    .action(async (file: string, options: ImportOptions) => {
      const absolute = path.resolve(ctx.io.cwd, file);
      if (!fs.statSync(absolute, { throwIfNoEntry: false })?.isFile()) throw new InputError(`${file} is not a readable file`);
      const isJson = path.extname(absolute).toLowerCase() === '.json';
      if (isJson && options.format !== undefined) throw new InputError('--format applies to CSV files only');
      const summary = isJson ? await importJson(ctx, absolute, file) : await importCsv(ctx, absolute, options);
      report(ctx.io, summary, options.json === true);
      if (summary.rejected.length > 0) throw new CliExit(2, `${summary.rejected.length} row(s) rejected, the other rows are imported`);
    });
}

async function importJson(ctx: CliContext, absolute: string, shownName: string): Promise<ImportSummary> {
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.promises.readFile(absolute, 'utf8'));
  } catch (error) {
    throw new InputError(`${shownName} is not valid JSON: ${(error as Error).message}`);
  }
  const app = await ctx.openApp();
  const checked = await app.catalog.checkCatalogFile(raw, path.dirname(absolute));
  return app.db.transaction().execute((tx) => app.catalog.importCatalogFile(tx, checked, CLI_ACTOR));
}

async function importCsv(ctx: CliContext, absolute: string, options: ImportOptions): Promise<ImportSummary> {
  const app = await ctx.openApp();
  const input = fs.createReadStream(absolute);
  try {
    const csv = await openCatalogCsv(input, { ...(options.format && { format: options.format }), charset: options.charset });
    if (csv.columns.ignored.length > 0) writeNote(ctx.io, `columns not imported: ${csv.columns.ignored.join(', ')}`);
    const progress = fileProgress(ctx.io, 'catalog import', fs.statSync(absolute).size);
    try {
      return await app.catalog.importCatalogCsv(app.db, csv, { actor: CLI_ACTOR, onProgress: (p) => progress.update(p.bytes, { rows: p.rows }) });
    } finally {
      progress.stop();
      csv.close();
    }
  } finally {
    input.destroy();
  }
}

function report(io: CliIo, summary: ImportSummary, json: boolean): void {
  if (json) {
    writeJson(io, { inserted: summary.inserted, updated: summary.updated, rejected: summary.rejected });
    return;
  }
  writeResult(io, [
    ...aligned([
      ['inserted', String(summary.inserted)],
      ['updated', String(summary.updated)],
      ['unchanged', String(summary.unchanged)],
      ['rejected', String(summary.rejected.length)],
    ]),
    ...summary.rejected.map((r) => `line ${r.line}: ${r.reason}`),
  ]);
}
