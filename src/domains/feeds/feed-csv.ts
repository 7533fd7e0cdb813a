import { Transform, type TransformCallback } from 'node:stream';
import { Stringifier, type Options as StringifyOptions } from 'csv-stringify';
import { csvDialectOf, DELIVERY_MODES, FEED_COLUMNS, priceText, totalSizeMb, type FeedColumn, type FeedEntry, type FeedFormat, type FeedProduct } from './feed.js';

// CSV output of a product feed (feeds.md §CSV columns): the cells of one row, and the stream that
// writes a whole feed in the format's dialect and charset.

type Cell = (product: FeedProduct) => string;

/** The `Misc` cell lists the delivery modes that apply, always in this order. */

const text = (value: string | number | null): string => (value === null ? '' : String(value));
const list = (values: readonly (string | number)[]): string => values.join(':');
const flag = (value: boolean): string => (value ? '1' : '0');
const megabytes = (mb: number | null): string => (mb === null ? '' : String(Math.round(mb)));

// A Record over FeedColumn, so a column added to FEED_COLUMNS does not compile until it has a cell.
const CELL_OF_COLUMN: Record<FeedColumn, Cell> = {
  'Product ID': (p) => String(p.ref),
  'Publisher ID': (p) => String(p.publisherId),
  'Publisher name': (p) => p.publisherName,
  Name: (p) => p.name,
  Misc: (p) => list(DELIVERY_MODES.filter((mode) => p.delivery[mode])),
  'Creation date': (p) => p.creationDate,
  'License lifetime': (p) => text(p.licenseLifetime),
  Keywords: (p) => text(p.keywords),
  'Number of users': (p) => text(p.numberOfUsers),
  Version: (p) => text(p.version),
  Code_EAN: (p) => text(p.ean),
  Type: (p) => String(p.type),
  'Release date': (p) => text(p.releaseDate),
  'Total size': (p) => totalSizeMb(p.totalSizeBytes),
  'Short description': (p) => text(p.shortDescription),
  'Long description': (p) => text(p.longDescription),
  Language: (p) => list(p.languages),
  'Small image': (p) => text(p.images.small),
  'Medium image': (p) => text(p.images.medium),
  'Big image': (p) => text(p.images.big),
  Screenshots: (p) => list(p.screenshots),
  Categories: (p) => list(p.categoryIds),
  'Price wo.VAT': (p) => priceText(p.saleMinor, p.currency),
  'Price public wo.VAT': (p) => priceText(p.publicMinor, p.currency),
  Currency: (p) => p.currency,
  'Retailer price': (p) => priceText(p.retailerMinor, p.currency),
  'Retailer price Currency': (p) => p.currency,
  'System requirements _ Memory': (p) => megabytes(p.memoryMb),
  'System requirements _ Disk space': (p) => megabytes(p.diskMb),
  'System requirements _ Operating system': (p) => list(p.osIds),
  DRM: (p) => text(p.drm),
  Status: (p) => p.status,
  'Subscription period': (p) => text(p.subscriptionPeriod),
  New: (p) => flag(p.flags.new),
  Top: (p) => flag(p.flags.top),
  Promo: (p) => flag(p.flags.promo),
};
const CELLS = new Map<string, Cell>(FEED_COLUMNS.map((column) => [column, CELL_OF_COLUMN[column]]));

/** `Short description XX` / `Long description XX`, as csvHeaderOf appends them for `ALL` feeds. */
const DESCRIPTION_COLUMN = /^(Short|Long) description (\S+)$/;

function cellOf(name: string): Cell {
  const cell = CELLS.get(name);
  if (cell) return cell;
  const match = DESCRIPTION_COLUMN.exec(name);
  if (!match) throw new Error(`"${name}" is not a column of a 2.4 CSV feed`);
  const language = match[2]!.toLowerCase();
  const part = match[1] === 'Short' ? 'short' : 'long';
  return (p) => text(p.descriptions[language]?.[part] ?? null);
}

/** Resolves the header once, so a 100,000-row feed does not look every column up again per row. */
function rowsOf(header: readonly string[]): (entry: FeedEntry) => string[] {
  const cells = header.map(cellOf);
  return (entry) => {
    if (entry.kind === 'product') return cells.map((cell) => cell(entry.product));
    return header.map((name) => (name === 'Product ID' ? String(entry.ref) : name === 'Status' ? 'removed' : ''));
  };
}

/** The cells of one feed row under a header made by csvHeaderOf; throws on a column it does not know. */
export function csvCellsOf(entry: FeedEntry, header: readonly string[]): string[] {
  return rowsOf(header)(entry);
}

// One '?' per code point: an emoji is two UTF-16 units but one character to the reader. Lone
// surrogates fall in the range too, so nothing outside Latin-1 reaches the encoder.
const latin1Of = (text: string): string => text.replace(/[\u{100}-\u{10FFFF}]/gu, '?');

/** What a Stringifier keeps of its options once they are checked: the record writer its stream uses. */
type StringifierRecords = { api: { stringify(row: readonly string[]): [Error | undefined, string] } };

/**
 * One record as CSV text, from one Stringifier made for the whole feed. csv-stringify's sync API
 * checks and normalises its options again at every call, which a call per record made about a tenth
 * of the writer's time (`node bench/feed-writer.mjs`); its stream would cost a stream write per
 * record. The Stringifier's record writer is not in the package's type declarations, hence the type
 * above (the version is pinned; the feed tests fail if it goes).
 */
function recordWriterOf(options: StringifyOptions): (row: readonly string[]) => string {
  const { api } = new Stringifier(options) as unknown as StringifierRecords;
  return (row) => {
    const [error, record] = api.stringify(row);
    if (error) throw error;
    return record;
  };
}

/** Bytes a page's buffer starts with; it doubles when a page needs more. */
const FIRST_PAGE_BYTES = 64 * 1024;

/**
 * The feed's CSV writer: takes FeedEntry objects, or arrays of them (a page), and pushes the rows of
 * each chunk as one buffer in the feed's charset. csv-stringify writes each record; each is encoded
 * straight into the page's buffer, followed by the format's line ending, rather than the page first
 * joined into one string and then encoded (a copy of every page, and its string, for nothing).
 */
class CsvFeedStream extends Transform {
  readonly #rowOf: (entry: FeedEntry) => string[];
  readonly #record: (row: readonly string[]) => string;
  readonly #eol: string;
  readonly #latin1: boolean;
  #pageBytes = FIRST_PAGE_BYTES;

  constructor(format: FeedFormat, header: readonly string[]) {
    // One chunk (a page) waiting on the writable side is enough to keep the writer busy.
    super({ writableObjectMode: true, writableHighWaterMark: 1 });
    const dialect = csvDialectOf(format);
    const options: StringifyOptions = {
      delimiter: dialect.separator,
      quote: dialect.delimiter,
      // The default escape is `"` whatever the quote: a quote is escaped by doubling it.
      escape: dialect.delimiter,
      // Handed CRLF, csv-stringify would copy every cell to look for it across the cell's end; with LF
      // it checks each cell for CR and LF alike, which quotes exactly the cells CRLF needs quoted.
      record_delimiter: '\n',
      // (Only for quoting: a record comes without it, and the line ending is written here.)
      quote_record_delimiter: true,
    };
    this.#record = recordWriterOf(options);
    this.#eol = dialect.eol;
    this.#latin1 = dialect.charset === 'iso-8859-1';
    this.#rowOf = rowsOf(header);
    if (dialect.bom) this.push(BOM);
    this.push(this.#page([[...header]]));
  }

  /** The rows as the feed's bytes, each record followed by the line ending. */
  #page(rows: readonly (readonly string[])[]): Buffer {
    const [encoding, bytesPerUnit] = this.#latin1 ? (['latin1', 1] as const) : (['utf8', 3] as const);
    let buffer = Buffer.allocUnsafe(this.#pageBytes);
    let length = 0;
    for (const row of rows) {
      const record = this.#latin1 ? latin1Of(this.#record(row)) : this.#record(row);
      const most = length + record.length * bytesPerUnit + this.#eol.length;
      if (most > buffer.length) {
        const larger = Buffer.allocUnsafe(Math.max(most, buffer.length * 2));
        buffer.copy(larger, 0, 0, length);
        buffer = larger;
        this.#pageBytes = larger.length;
      }
      length += buffer.write(record, length, encoding);
      length += buffer.write(this.#eol, length, 'latin1');
    }
    return buffer.subarray(0, length);
  }

  override _transform(chunk: FeedEntry | readonly FeedEntry[], _encoding: BufferEncoding, callback: TransformCallback): void {
    const entries = Array.isArray(chunk) ? (chunk as readonly FeedEntry[]) : [chunk as FeedEntry];
    if (entries.length === 0) return callback();
    try {
      callback(null, this.#page(entries.map(this.#rowOf)));
    } catch (error) {
      callback(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * A Transform taking FeedEntry objects (or arrays of them) and giving the feed's bytes: the header row,
 * then one row per entry, in the format's dialect (csvDialectOf) and charset. Throws on a header column
 * it does not know.
 */
export function csvFeedStream(format: FeedFormat, header: readonly string[]): Transform {
  return new CsvFeedStream(format, header);
}
