import { Readable } from 'node:stream';
import { parse, type CsvError, type Options as CsvParseOptions } from 'csv-parse';
import { InputError } from '../../shared/errors.js';
import { currencyDigits } from '../../shared/money.js';
import type { ProductStatus, ProductTexts } from './product.js';
import {
  checkProductRecord, decimalTextToMinor, DEFAULT_LOW_STOCK_THRESHOLD, isIsoDate, isIsoDuration, sortPrices,
  type CategoryRecord, type OperatingSystemRecord, type ProductRecord, type PublisherRecord,
} from './product-record.js';

// Catalog import from CSV (feeds.md "Importing a catalog from a CSV feed"): the Nexway feed layout
// and our own 2.4 columns, read through one table of column names. docs/catalog-import.md documents
// the mapping; keep the two together.

export const CSV_LAYOUTS = ['nexway-csv', '2.4'] as const;
export type CsvLayout = (typeof CSV_LAYOUTS)[number];
export const CSV_CHARSETS = ['utf-8', 'iso-8859-1'] as const;
export type CsvCharset = (typeof CSV_CHARSETS)[number];

type Field =
  | 'ref' | 'publisherId' | 'publisherName' | 'name' | 'licenseLifetime' | 'keywords' | 'numberOfUsers' | 'version'
  | 'ean' | 'type' | 'releaseDate' | 'totalSize' | 'shortDescription' | 'longDescription' | 'language'
  | 'imageSmall' | 'imageMedium' | 'imageBig' | 'screenshots' | 'categories' | 'salePrice' | 'publicPrice'
  | 'currency' | 'retailerPrice' | 'retailerCurrency' | 'memory' | 'disk' | 'os' | 'drm' | 'status'
  | 'subscriptionPeriod' | 'flagNew' | 'flagTop' | 'flagPromo';

/** Header names per field, normalised (lower case, every run of other characters than a-z0-9 a space). */
const ALIASES: Record<Field, readonly string[]> = {
  ref: ['product id', 'nexway product id', 'product ref', 'productref', 'ref'],
  publisherId: ['publisher id', 'nexway publisher id'],
  publisherName: ['publisher name', 'publisher'],
  name: ['name', 'product name'],
  licenseLifetime: ['license lifetime', 'licence lifetime'],
  keywords: ['keywords'],
  numberOfUsers: ['number of users', 'users'],
  version: ['version'],
  ean: ['code ean', 'ean', 'ean code', 'ean13'],
  type: ['type', 'product type'],
  releaseDate: ['release date'],
  totalSize: ['total size', 'total size mb', 'size mb'],
  shortDescription: ['short description'],
  longDescription: ['long description', 'description'],
  language: ['language', 'languages', 'description language'],
  imageSmall: ['small image', 'image small'],
  imageMedium: ['medium image', 'image medium'],
  imageBig: ['big image', 'large image', 'image big'],
  screenshots: ['screenshots'],
  categories: ['categories', 'category', 'category ids'],
  salePrice: ['price wo vat', 'price w o tax', 'price', 'sale price'],
  publicPrice: ['price public wo vat', 'recommended retail price w o tax', 'recommended retail price', 'public price'],
  currency: ['currency', 'currency symbol'],
  retailerPrice: ['retailer price', 'retailer price w o tax'],
  retailerCurrency: ['retailer price currency'],
  memory: ['system requirements memory', 'memory'],
  disk: ['system requirements disk space', 'disk space'],
  os: ['system requirements operating system', 'operating systems', 'operating system', 'os'],
  drm: ['drm'],
  status: ['status'],
  subscriptionPeriod: ['subscription period'],
  flagNew: ['new'],
  flagTop: ['top', 'top selling'],
  flagPromo: ['promo'],
};

const FIELD_OF = new Map<string, Field>(Object.entries(ALIASES).flatMap(([field, names]) => names.map((n) => [n, field as Field] as const)));

function normaliseHeader(name: string): string {
  return name.trim().replace(/^['"]|['"]$/g, '').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
}

/** Where each known column is in a row, and the header names the import does not use. */
export type CsvColumns = {
  fields: Partial<Record<Field, number>>;
  /** `Short description XX` / `Long description XX` columns per language (lower case). */
  shortByLanguage: Map<string, number>;
  longByLanguage: Map<string, number>;
  ignored: string[];
  /** The header as the file writes it, for messages that name a column. */
  names: string[];
};

/** Reads a header row; throws InputError for a column given twice. */
export function columnsOf(header: readonly string[]): CsvColumns {
  const columns: CsvColumns = { fields: {}, shortByLanguage: new Map(), longByLanguage: new Map(), ignored: [], names: header.map((h) => h.trim()) };
  header.forEach((raw, index) => {
    const name = normaliseHeader(raw);
    const perLanguage = /^(short|long) description ([a-z]{2})$/.exec(name);
    if (perLanguage) {
      const map = perLanguage[1] === 'short' ? columns.shortByLanguage : columns.longByLanguage;
      if (map.has(perLanguage[2]!)) throw new InputError(`column "${raw}" is given twice`);
      map.set(perLanguage[2]!, index);
      return;
    }
    const field = FIELD_OF.get(name);
    if (field === undefined) {
      if (name !== '') columns.ignored.push(raw.trim());
      return;
    }
    if (columns.fields[field] !== undefined) throw new InputError(`column "${raw}" is given twice (as "${header[columns.fields[field]!]}")`);
    columns.fields[field] = index;
  });
  return columns;
}

/** The layout a header belongs to: Nexway's names `Nexway Product ID`, else our 2.4 `Product ID`. */
export function layoutOf(header: readonly string[]): CsvLayout | undefined {
  const names = header.map(normaliseHeader);
  if (names.includes('nexway product id')) return 'nexway-csv';
  if (names.includes('product id')) return '2.4';
  return undefined;
}

/** One data row of a CSV file (line = the physical line where it starts; the header is line 1), or one that could not be read. */
export type CsvRecord = { line: number; cells: string[] } | { line: number; error: string };

/** A CSV catalog opened for reading: its layout, columns and data rows, streamed. */
export type CatalogCsv = {
  layout: CsvLayout;
  columns: CsvColumns;
  records: AsyncIterable<CsvRecord>;
  /** Bytes of the input read so far (for progress). */
  bytesRead(): number;
  /** Stops reading (after an early end); reading to the last row closes by itself. */
  close(): void;
};

const DELIMITERS = [',', ';', '\t', '|'] as const;

/** The separator and quote character of a CSV file, guessed from its header line. */
export function dialectOf(headerLine: string, layoutHint?: CsvLayout): { delimiter: string; quote: string | undefined } {
  const counts = DELIMITERS.map((d) => headerLine.split(d).length - 1);
  const best = counts.indexOf(Math.max(...counts));
  const delimiter = counts[best]! > 0 ? DELIMITERS[best]! : ',';
  const cells = headerLine.split(delimiter).map((c) => c.trim());
  const quote = cells.some((c) => c.startsWith("'")) ? "'" : cells.some((c) => c.startsWith('"')) ? '"' : undefined;
  return { delimiter, quote: quote ?? (layoutHint === 'nexway-csv' ? "'" : undefined) };
}

async function* chunksOf(first: Buffer, rest: AsyncIterator<unknown>): AsyncGenerator<Buffer> {
  if (first.length > 0) yield first;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield Buffer.isBuffer(next.value) ? next.value : Buffer.from(String(next.value));
  }
}

const MAX_HEADER_BYTES = 1 << 20;

/**
 * Opens a CSV catalog: reads its header line to learn the separator (`,` `;` tab or `|`) and quote
 * character (`'` as in Nexway's files, with `''` escapes, or `"`), then the layout (given, or told by
 * the header). Throws InputError when the file is empty, its header is not a known layout, or does
 * not match the given one. Unreadable rows come out as `{line, error}`; reading goes on after them.
 */
export async function openCatalogCsv(input: AsyncIterable<unknown>, options: { format?: CsvLayout; charset?: CsvCharset } = {}): Promise<CatalogCsv> {
  const encoding = options.charset === 'iso-8859-1' ? 'latin1' : 'utf8';
  const source = input[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (!head.includes(0x0a) && head.length < MAX_HEADER_BYTES) {
    const next = await source.next();
    if (next.done) break;
    head = Buffer.concat([head, Buffer.isBuffer(next.value) ? next.value : Buffer.from(String(next.value))]);
  }
  const headerLine = head.toString(encoding).replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '';
  if (headerLine.trim() === '') throw new InputError('the CSV file is empty');
  const { delimiter, quote } = dialectOf(headerLine, options.format);

  let lastLine = 1;
  let bytes = 0;
  const unreadable: CsvRecord[] = [];
  const parseOptions: CsvParseOptions<{ line: number; cells: string[] }, string[]> = {
    encoding,
    bom: true,
    delimiter,
    quote: quote ?? '"',
    escape: quote ?? '"',
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_record: (record: string[], context) => {
      const newlines = record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);
      lastLine = context.lines;
      bytes = context.bytes;
      return { line: context.lines - newlines, cells: record };
    },
    on_skip: (error: CsvError | undefined) => {
      unreadable.push({ line: lastLine + 1, error: error ? `unreadable row: ${error.message}` : 'unreadable row' });
    },
  };
  const feed = Readable.from(chunksOf(head, source));
  const parser = parse(parseOptions as unknown as CsvParseOptions);
  // A failing input fails the parser, so whoever reads the rows sees the error.
  feed.on('error', (error) => parser.destroy(error));
  feed.pipe(parser);
  const close = () => {
    feed.destroy();
    parser.destroy();
  };
  const rows = (parser as AsyncIterable<{ line: number; cells: string[] }>)[Symbol.asyncIterator]();

  let layout: CsvLayout;
  let columns: CsvColumns;
  try {
    const first = await rows.next();
    if (first.done) throw new InputError('the CSV file has no header row');
    const header = first.value.cells;
    const detected = layoutOf(header);
    if (detected === undefined) throw new InputError('the CSV header has neither a "Nexway Product ID" (Nexway layout) nor a "Product ID" column (2.4 layout)');
    if (options.format !== undefined && options.format !== detected) {
      throw new InputError(`the CSV header is in the ${detected} layout, not ${options.format}`);
    }
    layout = detected;
    columns = columnsOf(header);
  } catch (error) {
    close();
    throw error;
  }

  async function* records(): AsyncGenerator<CsvRecord> {
    for (;;) {
      const next = await rows.next();
      while (unreadable.length > 0) yield unreadable.shift()!;
      if (next.done) return;
      yield next.value;
    }
  }
  return { layout, columns, records: records(), bytesRead: () => bytes, close };
}

// ---- One row → what it says about a product --------------------------------------------------------

/** A category or operating system named in a row: by id, or by label (a category by `Parent > Child`). */
export type NamedRef = { id: number } | { path: string[] };

/** What one CSV row says about a product; absent keys are columns the file does not have. */
export type CsvPatch = {
  ref: number;
  /** `Status` = `removed`: the product is at end of life; nothing else of the row is read. */
  removed: boolean;
  publisher?: { id: number | null; name: string | null };
  scalars: Partial<Pick<ProductRecord, 'type' | 'status' | 'releaseDate' | 'version' | 'numberOfUsers' | 'licenseLifetime' | 'ean' | 'drm' | 'keywords' | 'screenshots' | 'subscription'>>;
  flags: Partial<ProductRecord['flags']>;
  images: Partial<ProductRecord['images']>;
  systemRequirements: Partial<ProductRecord['systemRequirements']>;
  texts: Record<string, Partial<ProductTexts>>;
  /** Language in which new categories named in the row are labelled. */
  language: string;
  categories?: NamedRef[];
  operatingSystems?: NamedRef[];
  price?: { currency: string; sale?: number; public?: number; retailer?: number };
};

class RowError extends Error {}

const fail = (message: string): never => {
  throw new RowError(message);
};

const CURRENCY_SYMBOLS: Record<string, string> = { '€': 'EUR', '$': 'USD', 'US$': 'USD', '£': 'GBP', '¥': 'JPY' };

function currencyOf(text: string, column: string): string {
  const trimmed = text.trim();
  const code = CURRENCY_SYMBOLS[trimmed] ?? trimmed.toUpperCase();
  return currencyDigits(code) === undefined ? fail(`${column}: "${text}" is not an ISO 4217 currency`) : code;
}

function flagOf(text: string, column: string): boolean {
  const value = text.trim().toLowerCase();
  if (['1', 'y', 'yes', 'true', 'oui'].includes(value)) return true;
  if (['', '0', 'n', 'no', 'false', 'non'].includes(value)) return false;
  return fail(`${column}: "${text}" is not 1 or 0`);
}

function wholeNumberOf(text: string, column: string, min: number): number {
  const value = Number(text.trim());
  return /^\d+$/.test(text.trim()) && value >= min && value <= 2 ** 31 - 1 ? value : fail(`${column}: "${text}" is not a whole number of ${min} or more`);
}

/** `4096`, `4 GB`, `512 Mo`, `1.5 GB RAM` → MB. */
function megabytesOf(text: string, column: string): number {
  const match = /(\d+(?:[.,]\d+)?)\s*(tb|to|gb|go|mb|mo|kb|ko)?/i.exec(text);
  if (!match) return fail(`${column}: "${text}" is not a size`);
  const value = Number(match[1]!.replace(',', '.'));
  const unit = (match[2] ?? 'mb').toLowerCase();
  const factor = unit.startsWith('t') ? 1024 * 1024 : unit.startsWith('g') ? 1024 : unit.startsWith('k') ? 1 / 1024 : 1;
  return Math.round(value * factor);
}

const LIFETIME_UNITS: [RegExp, string][] = [[/^(years?|ans?|yrs?)$/, 'Y'], [/^(months?|mois)$/, 'M'], [/^(weeks?|semaines?)$/, 'W'], [/^(days?|jours?)$/, 'D']];

/** An ISO 8601 duration, `12 months`, `1 year` (also in French); `unlimited`/`perpetual` or empty → null. */
function lifetimeOf(text: string, column: string): string | null {
  const value = text.trim();
  if (value === '' || /^(unlimited|illimit[ée]e?|perpetual|perp[ée]tuelle?|lifetime|none)$/i.test(value)) return null;
  if (isIsoDuration(value.toUpperCase())) return value.toUpperCase();
  const match = /^(\d+)\s*([a-zé]+)$/i.exec(value);
  const unit = match && LIFETIME_UNITS.find(([re]) => re.test(match[2]!.toLowerCase()));
  if (match && unit && Number(match[1]) > 0) return `P${Number(match[1])}${unit[1]}`;
  return fail(`${column}: "${text}" is not a licence lifetime (an ISO 8601 duration such as P1Y, "12 months" or "unlimited")`);
}

function dateOf(text: string, column: string): string | null {
  const value = text.trim();
  if (value === '') return null;
  const date = value.slice(0, 10);
  return isIsoDate(date) && /^(\d{4}-\d{2}-\d{2})([ T].*)?$/.test(value) ? date : fail(`${column}: "${text}" is not a date YYYY-MM-DD`);
}

function statusOf(text: string, column: string): ProductStatus | 'removed' {
  const value = text.trim().toLowerCase().replace(/[\s-]+/g, '_');
  if (value === '' || value === 'on_sale' || value === 'active') return 'on_sale';
  if (value === 'pre_order' || value === 'preorder') return 'pre_order';
  if (value === 'end_of_life' || value === 'eol') return 'end_of_life';
  if (value === 'removed') return 'removed';
  return fail(`${column}: "${text}" is not on_sale, pre_order, end_of_life or removed`);
}

/** Cell lists are `:`-separated (also `|`); a `:` that belongs to `http://` or `https://` is kept. */
function listOf(text: string): string[] {
  const parts = text.split(/[:|]/);
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!.trim();
    if (/^https?$/i.test(part) && parts[i + 1]?.startsWith('//')) {
      out.push(`${part}:${parts[i + 1]!.trim()}`);
      i += 1;
    } else if (part !== '') {
      out.push(part);
    }
  }
  return out;
}

function namedRefsOf(text: string): NamedRef[] {
  return listOf(text).map((entry) => (/^\d+$/.test(entry) ? { id: Number(entry) } : { path: entry.split(/\s*[>/]\s*/).filter((p) => p !== '') }));
}

const LANGUAGE_NAMES: Record<string, string> = {
  english: 'en', anglais: 'en', french: 'fr', français: 'fr', francais: 'fr', german: 'de', deutsch: 'de', allemand: 'de',
  spanish: 'es', español: 'es', espagnol: 'es', italian: 'it', italiano: 'it', italien: 'it', dutch: 'nl', nederlands: 'nl',
  portuguese: 'pt', português: 'pt', polish: 'pl', polski: 'pl', swedish: 'sv', svenska: 'sv',
};

function languagesOf(text: string, column: string): string[] {
  const out: string[] = [];
  for (const entry of text.split(/[:,;|\s]+/).filter((e) => e !== '')) {
    const named = LANGUAGE_NAMES[entry.toLowerCase()];
    const match = /^([a-z]{2})(?:[-_][a-z]{2})?$/i.exec(named ?? entry);
    if (!match) fail(`${column}: "${entry}" is not a two-letter language code`);
    const language = match![1]!.toLowerCase();
    if (!out.includes(language)) out.push(language);
  }
  return out;
}

/**
 * What one data row says about a product, or the reason it cannot be read. `masterLanguage` is the
 * language of `Name` when the row lists several languages (the 2.4 feed with master language ALL).
 */
export function csvPatchOf(columns: CsvColumns, cells: readonly string[], masterLanguage: string): CsvPatch | { reason: string } {
  try {
    return patchOf(columns, cells, masterLanguage);
  } catch (error) {
    if (error instanceof RowError) return { reason: error.message };
    throw error;
  }
}

function patchOf(columns: CsvColumns, cells: readonly string[], masterLanguage: string): CsvPatch {
  const f = columns.fields;
  const has = (field: Field) => f[field] !== undefined;
  const cell = (field: Field) => (f[field] === undefined ? '' : (cells[f[field]!] ?? '').trim());
  const optional = (field: Field) => (cell(field) === '' ? null : cell(field));
  const label = (field: Field) => (f[field] === undefined ? field : columns.names[f[field]!]!);

  const refText = cell('ref');
  if (refText === '') fail('the product id is empty');
  const ref = wholeNumberOf(refText, label('ref'), 1);
  const status = has('status') ? statusOf(cell('status'), label('status')) : undefined;
  const base = { ref, scalars: {}, flags: {}, images: {}, systemRequirements: {}, texts: {}, language: masterLanguage };
  if (status === 'removed') return { ...base, removed: true };

  const patch: CsvPatch = { ...base, removed: false, scalars: {} };
  if (status !== undefined) patch.scalars.status = status;
  if (has('publisherId') || has('publisherName')) {
    const id = cell('publisherId') === '' ? null : wholeNumberOf(cell('publisherId'), label('publisherId'), 1);
    const name = optional('publisherName');
    if (id !== null || name !== null) patch.publisher = { id, name };
  }
  if (has('type')) {
    const type = cell('type') === '' ? 1 : Number(cell('type'));
    patch.scalars.type = [1, 3, 4].includes(type) ? type : fail(`${label('type')}: "${cell('type')}" is not 1 (for sale), 3 (freeware) or 4 (shareware)`);
  }
  if (has('releaseDate')) patch.scalars.releaseDate = dateOf(cell('releaseDate'), label('releaseDate'));
  if (has('version')) patch.scalars.version = optional('version');
  if (has('numberOfUsers')) patch.scalars.numberOfUsers = cell('numberOfUsers') === '' ? null : wholeNumberOf(cell('numberOfUsers'), label('numberOfUsers'), 1);
  if (has('licenseLifetime')) patch.scalars.licenseLifetime = lifetimeOf(cell('licenseLifetime'), label('licenseLifetime'));
  if (has('ean')) {
    const ean = optional('ean');
    patch.scalars.ean = ean === null || /^\d{8,14}$/.test(ean) ? ean : fail(`${label('ean')}: "${ean}" is not 8 to 14 digits`);
  }
  if (has('drm')) patch.scalars.drm = optional('drm');
  if (has('keywords')) patch.scalars.keywords = optional('keywords');
  if (has('screenshots')) patch.scalars.screenshots = listOf(cell('screenshots'));
  if (has('subscriptionPeriod')) {
    const period = optional('subscriptionPeriod')?.toUpperCase() ?? null;
    if (period !== null && !isIsoDuration(period, true)) fail(`${label('subscriptionPeriod')}: "${period}" is not an ISO 8601 duration such as P1M or P1Y`);
    patch.scalars.subscription = period === null ? null : { period };
  }
  if (has('totalSize') && cell('totalSize') !== '' && !/^\d+(?:[.,]\d+)?$/.test(cell('totalSize'))) fail(`${label('totalSize')}: "${cell('totalSize')}" is not a size in MB`);
  if (has('flagNew')) patch.flags.new = flagOf(cell('flagNew'), label('flagNew'));
  if (has('flagTop')) patch.flags.top = flagOf(cell('flagTop'), label('flagTop'));
  if (has('flagPromo')) patch.flags.promo = flagOf(cell('flagPromo'), label('flagPromo'));
  if (has('imageSmall')) patch.images.small = optional('imageSmall');
  if (has('imageMedium')) patch.images.medium = optional('imageMedium');
  if (has('imageBig')) patch.images.big = optional('imageBig');
  if (has('memory')) patch.systemRequirements.memoryMb = cell('memory') === '' ? null : megabytesOf(cell('memory'), label('memory'));
  if (has('disk')) patch.systemRequirements.diskMb = cell('disk') === '' ? null : megabytesOf(cell('disk'), label('disk'));
  if (has('categories')) patch.categories = namedRefsOf(cell('categories'));
  if (has('os')) patch.operatingSystems = namedRefsOf(cell('os'));

  // Texts: Name is in the row's language (one listed) or the master language (several listed);
  // descriptions go to their language's columns, or the plain ones to the row's language.
  const languages = cell('language') === '' ? [masterLanguage] : languagesOf(cell('language'), label('language'));
  const nameLanguage = languages.length === 1 || !languages.includes(masterLanguage) ? languages[0]! : masterLanguage;
  patch.language = nameLanguage;
  const texts = (language: string) => (patch.texts[language] ??= {});
  if (cell('name') !== '') texts(nameLanguage).name = cell('name');
  if (languages.length === 1 || cell('shortDescription') !== '') {
    if (has('shortDescription')) texts(nameLanguage).shortDescription = optional('shortDescription');
  }
  if (languages.length === 1 || cell('longDescription') !== '') {
    if (has('longDescription')) texts(nameLanguage).longDescription = optional('longDescription');
  }
  for (const [map, key] of [[columns.shortByLanguage, 'shortDescription'], [columns.longByLanguage, 'longDescription']] as const) {
    for (const [language, index] of map) {
      const value = (cells[index] ?? '').trim();
      if (value !== '' || languages.includes(language)) texts(language)[key] = value === '' ? null : value;
    }
  }

  // Prices: one currency per row (a feed is made for one POS, and a POS sells in one currency).
  const amounts = { sale: cell('salePrice'), public: cell('publicPrice'), retailer: cell('retailerPrice') };
  if (Object.values(amounts).some((a) => a !== '')) {
    const currency = cell('currency') !== '' ? currencyOf(cell('currency'), label('currency')) : cell('retailerCurrency') !== '' ? currencyOf(cell('retailerCurrency'), label('retailerCurrency')) : fail(`${label('currency')}: a price needs its currency`);
    if (cell('retailerCurrency') !== '' && currencyOf(cell('retailerCurrency'), label('retailerCurrency')) !== currency) {
      fail(`${label('retailerCurrency')}: ${cell('retailerCurrency')} differs from the price's currency ${currency}`);
    }
    const minor = (text: string, column: string) => {
      const out = decimalTextToMinor(text, currency);
      return typeof out === 'number' ? out : fail(`${column}: ${out.reason}`);
    };
    patch.price = { currency };
    if (amounts.sale !== '') patch.price.sale = minor(amounts.sale, label('salePrice'));
    if (amounts.public !== '') patch.price.public = minor(amounts.public, label('publicPrice'));
    if (amounts.retailer !== '') patch.price.retailer = minor(amounts.retailer, label('retailerPrice'));
  }
  return patch;
}

// ---- A row's references, resolved against the catalog ----------------------------------------------

/** The catalog's publishers, categories and operating systems, as a row import sees and extends them. */
export type CatalogLookup = {
  masterLanguage: string;
  publishers: Map<number, PublisherRecord>;
  categories: Map<number, CategoryRecord>;
  operatingSystems: Map<number, OperatingSystemRecord>;
};

/** What a row adds to or changes in the catalog besides its product. */
export type LookupChanges = {
  publishers: { record: PublisherRecord; exists: boolean }[];
  categories: CategoryRecord[];
  operatingSystems: OperatingSystemRecord[];
};

export type ResolvedRow = { publisherId?: number; categoryIds?: number[]; osIds?: number[]; changes: LookupChanges };

const sameText = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

function nextId(ids: Iterable<number>, taken: readonly { id: number }[]): number {
  let max = 0;
  for (const id of ids) max = Math.max(max, id);
  for (const t of taken) max = Math.max(max, t.id);
  return max + 1;
}

/**
 * The ids a row's publisher, categories and operating systems stand for, creating what the catalog
 * lacks: a publisher by id and name (or by name alone, with the next free id), a category or OS by
 * label (a label path `Parent > Child` for a subcategory), or by an unknown id with a placeholder
 * label. Nothing is changed here: the changes are returned, for the import to write with the row.
 */
export function resolveRow(lookup: CatalogLookup, patch: CsvPatch): ResolvedRow | { reason: string } {
  const changes: LookupChanges = { publishers: [], categories: [], operatingSystems: [] };
  const out: ResolvedRow = { changes };

  if (patch.publisher) {
    const { id, name } = patch.publisher;
    const known = id !== null ? lookup.publishers.get(id) : [...lookup.publishers.values()].find((p) => sameText(p.name, name!));
    if (known) {
      out.publisherId = known.id;
      if (id !== null && name !== null && known.name !== name) changes.publishers.push({ record: { ...known, name }, exists: true });
    } else if (name === null) {
      return { reason: `Publisher ID: publisher ${id} does not exist and the row gives no publisher name to create it` };
    } else {
      const record = { id: id ?? nextId(lookup.publishers.keys(), []), name, mustProposeDvd: false };
      changes.publishers.push({ record, exists: false });
      out.publisherId = record.id;
    }
  }

  if (patch.categories) {
    const all = () => [...lookup.categories.values(), ...changes.categories];
    const create = (parentId: number | null, labels: Record<string, string>, id?: number): number => {
      const siblings = all().filter((c) => c.parentId === parentId);
      const record = { id: id ?? nextId(lookup.categories.keys(), changes.categories), parentId, labels, position: siblings.length };
      changes.categories.push(record);
      return record.id;
    };
    const labelled = (c: CategoryRecord, label: string) => Object.values(c.labels).some((l) => sameText(l, label));
    out.categoryIds = [];
    for (const ref of patch.categories) {
      let id: number;
      if ('id' in ref) {
        id = lookup.categories.has(ref.id) || changes.categories.some((c) => c.id === ref.id)
          ? ref.id
          : create(null, { [lookup.masterLanguage]: `Category ${ref.id}` }, ref.id);
      } else if (ref.path.length === 1) {
        const label = ref.path[0]!;
        const found = all().filter((c) => labelled(c, label)).sort((a, b) => (a.parentId === null ? 0 : 1) - (b.parentId === null ? 0 : 1))[0];
        id = found ? found.id : create(null, { [patch.language]: label });
      } else if (ref.path.length === 2) {
        const [parentLabel, childLabel] = ref.path as [string, string];
        const parent = all().find((c) => c.parentId === null && labelled(c, parentLabel));
        const parentId = parent ? parent.id : create(null, { [patch.language]: parentLabel });
        const child = all().find((c) => c.parentId === parentId && labelled(c, childLabel));
        id = child ? child.id : create(parentId, { [patch.language]: childLabel });
      } else {
        return { reason: `Categories: "${ref.path.join(' > ')}" has more than two levels (category > subcategory)` };
      }
      if (!out.categoryIds.includes(id)) out.categoryIds.push(id);
    }
  }

  if (patch.operatingSystems) {
    out.osIds = [];
    for (const ref of patch.operatingSystems) {
      const all = [...lookup.operatingSystems.values(), ...changes.operatingSystems];
      let id: number;
      if ('id' in ref) {
        id = ref.id;
        if (!all.some((o) => o.id === ref.id)) changes.operatingSystems.push({ id, label: `OS ${id}` });
      } else {
        const label = ref.path.join('/');
        const found = all.find((o) => sameText(o.label, label));
        id = found ? found.id : nextId(lookup.operatingSystems.keys(), changes.operatingSystems);
        if (!found) changes.operatingSystems.push({ id, label });
      }
      if (!out.osIds.includes(id)) out.osIds.push(id);
    }
  }
  return out;
}

/** A product as a CSV row creates it before the row's values are applied. */
function newProduct(ref: number): ProductRecord {
  return {
    ref, publisherId: 0, type: 1, status: 'on_sale', releaseDate: null, texts: {}, categoryIds: [], osIds: [],
    version: null, numberOfUsers: null, licenseLifetime: null, ean: null, drm: null, keywords: null,
    flags: { new: false, top: false, promo: false }, images: { small: null, medium: null, big: null }, screenshots: [],
    systemRequirements: { memoryMb: null, diskMb: null }, prices: [],
    delivery: { serialsPerUnit: 0, serialSource: 'none', serialPattern: null, lowStockThreshold: DEFAULT_LOW_STOCK_THRESHOLD, remark: null, digitalLockerLink: null, downloadManager: false, newSerialEachTerm: false },
    files: [], subscription: null, option: null, optionRefs: [], crossSellRefs: [], upSellRefs: [],
  };
}

/**
 * The product after a row: the stored one (or a new one) with the row's columns applied; what the
 * CSV layouts do not carry (delivery settings, files, options, relations, other currencies' prices,
 * other languages' texts) is kept. Returns the reason when the result breaks a catalog rule.
 */
export function applyCsvPatch(stored: ProductRecord | undefined, patch: CsvPatch, resolved: ResolvedRow): ProductRecord | { reason: string } {
  if (patch.removed) return stored ? { ...stored, status: 'end_of_life' } : { reason: 'Status: removed, but the product is not in the catalog' };
  const base = stored ?? newProduct(patch.ref);
  const publisherId = resolved.publisherId ?? base.publisherId;
  if (publisherId === 0) return { reason: 'a new product needs its publisher (Publisher ID or Publisher name)' };

  const texts: Record<string, ProductTexts> = Object.fromEntries(Object.entries(base.texts).map(([l, t]) => [l, { ...t }]));
  for (const [language, given] of Object.entries(patch.texts)) {
    texts[language] = { ...(texts[language] ?? { name: null, shortDescription: null, longDescription: null }), ...given };
  }
  const sortedTexts = Object.fromEntries(Object.entries(texts).sort(([a], [b]) => (a < b ? -1 : 1)));

  const subscription = patch.scalars.subscription !== undefined ? patch.scalars.subscription : base.subscription;
  let prices = base.prices.map((p) => ({ ...p }));
  if (patch.price) {
    const { currency } = patch.price;
    const current = prices.find((p) => p.currency === currency);
    const sale = patch.price.sale ?? current?.sale;
    if (sale === undefined) return { reason: `prices: the product has no ${currency} price yet, so the row must give its sale price` };
    const price = {
      currency,
      sale,
      public: patch.price.public ?? current?.public ?? sale,
      // Without a retailer price column (Nexway's layout), a new price invoices the partner the sale price.
      retailer: patch.price.retailer ?? current?.retailer ?? sale,
      renewal: current?.renewal ?? null,
    };
    prices = [...prices.filter((p) => p.currency !== currency), price];
  }
  prices = sortPrices(prices.map((p) => ({ ...p, renewal: subscription === null ? null : p.renewal ?? p.sale })));

  const record: ProductRecord = {
    ...base,
    ...patch.scalars,
    publisherId,
    subscription,
    texts: sortedTexts,
    flags: { ...base.flags, ...patch.flags },
    images: { ...base.images, ...patch.images },
    systemRequirements: { ...base.systemRequirements, ...patch.systemRequirements },
    categoryIds: resolved.categoryIds ?? base.categoryIds,
    osIds: resolved.osIds ?? base.osIds,
    prices,
    delivery: { ...base.delivery, newSerialEachTerm: subscription === null ? false : base.delivery.newSerialEachTerm },
  };
  const problem = checkProductRecord(record)[0];
  return problem ? { reason: `${problem.path}: ${problem.message}` } : record;
}
