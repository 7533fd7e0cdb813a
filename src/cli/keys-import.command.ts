import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { keyFileFormatOf, KeysImportInterrupted, readKeyFile, type KeyImportCounts } from '../domains/stock/index.js';
import { CliExit, type CliContext } from './context.js';
import { fileProgress } from './progress.js';
import { aligned, CLI_ACTOR, commandGroup, idArgument, writeJson, writeResult } from './output.js';

type KeysImportOptions = { product: number; json?: boolean };

/**
 * `resell keys import --product <ref> <file> [--json]`: streams a key file into a pool product, in
 * batches; progress on stderr; prints inserted, duplicate and blank counts. Exit 1 when refused
 * (unknown or non-pool product, unreadable file, CSV without a `key` column) with nothing stored, 2
 * when it stopped part-way after storing some keys.
 */
export function keysImportCommand(program: Command, ctx: CliContext): void {
  commandGroup(program, 'keys', 'serial key pools')
    .command('import')
    .description('import serial keys into a pool product: a .csv file with a "key" column, or one key per line')
    .requiredOption('--product <ref>', 'ref of the pool product', idArgument('--product'))
    .argument('<file>', 'key file: .csv with a "key" header column, any other file one key per line')
    .option('--json', 'print {"inserted","duplicates","blank"}')
    .action(async (file: string, options: KeysImportOptions) => {
      const filePath = path.resolve(ctx.io.cwd, file);
      const size = fileSize(filePath, file);
      const app = await ctx.openApp();
      const input = fs.createReadStream(filePath);
      const progress = fileProgress(ctx.io, 'keys import', size);
      let counts: KeyImportCounts;
      try {
        counts = await app.stock.importKeys(app.db, options.product, readKeyFile(input, keyFileFormatOf(filePath)), {
          actor: CLI_ACTOR,
          onProgress: (running) => progress.update(input.bytesRead, { inserted: running.inserted, duplicates: running.duplicates, blank: running.blank }),
        });
      } catch (error) {
        if (error instanceof KeysImportInterrupted) {
          const { inserted, duplicates, blank } = error.counts;
          throw new CliExit(2, `${error.message} (stored before it stopped: ${inserted} inserted, ${duplicates} duplicates, ${blank} blank)`);
        }
        throw error;
      } finally {
        progress.stop();
        input.destroy();
      }
      if (options.json) {
        writeJson(ctx.io, { inserted: counts.inserted, duplicates: counts.duplicates, blank: counts.blank });
        return;
      }
      writeResult(ctx.io, aligned([
        ['inserted', String(counts.inserted)],
        ['duplicates', String(counts.duplicates)],
        ['blank', String(counts.blank)],
      ]));
    });
}

function fileSize(filePath: string, given: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(filePath);
  } catch (error) {
    throw new CliExit(1, `cannot read ${given}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (!stat.isFile()) throw new CliExit(1, `cannot read ${given}: not a file`);
  return stat.size;
}
