import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { InputError } from '../../shared/errors.js';

/** How a key file is read: CSV with a `key` header column, or one key per line. */
export type KeyFileFormat = 'csv' | 'lines';

/** A `.csv` file (any case) is CSV; any other file is one key per line. */
export function keyFileFormatOf(fileName: string): KeyFileFormat {
  return /\.csv$/i.test(fileName) ? 'csv' : 'lines';
}

/**
 * The raw entries of a key file in file order, streamed (memory stays flat whatever the size); blank
 * entries are yielded too (as '' or undefined) so they can be counted. CRLF and LF are both line ends.
 * Throws InputError when a CSV file has no `key` header column (before any entry is yielded).
 */
export async function* readKeyFile(input: Readable, format: KeyFileFormat): AsyncGenerator<string | undefined> {
  if (format === 'lines') {
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    try {
      for await (const line of lines) yield line;
    } finally {
      lines.close();
    }
    return;
  }
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: false });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  try {
    let keyColumn = -1;
    const records = (parser as AsyncIterable<string[]>)[Symbol.asyncIterator]();
    for (;;) {
      const next = await records.next().catch((error: unknown) => {
        throw isCsvError(error) ? new InputError(`unreadable CSV: ${error.message}`) : error;
      });
      if (next.done) break;
      const record = next.value;
      if (keyColumn < 0) {
        keyColumn = record.findIndex((name) => name.trim().toLowerCase() === 'key');
        if (keyColumn < 0) throw new InputError('the CSV file has no "key" header column');
        continue;
      }
      yield record[keyColumn];
    }
    if (keyColumn < 0) throw new InputError('the CSV file has no "key" header column');
  } finally {
    input.unpipe(parser);
    parser.destroy();
  }
}

function isCsvError(error: unknown): error is Error {
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('CSV_');
}
