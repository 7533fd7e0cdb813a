import { InputError } from '../../shared/errors.js';
import { normaliseLanguage } from '../../shared/iso.js';
import { formatMinor } from '../../shared/money.js';

// Product feeds (feeds.md): a feed format (the URL's `config`) says how rows are written, a product
// list (its `provider`) says which products of which POS, in which language.

export const FEED_VERSION = '2.4';

/** The CSV columns of version 2.4, in their default order. */
export const FEED_COLUMNS = [
  'Product ID', 'Publisher ID', 'Publisher name', 'Name', 'Misc', 'Creation date', 'License lifetime',
  'Keywords', 'Number of users', 'Version', 'Code_EAN', 'Type', 'Release date', 'Total size',
  'Short description', 'Long description', 'Language', 'Small image', 'Medium image', 'Big image',
  'Screenshots', 'Categories', 'Price wo.VAT', 'Price public wo.VAT', 'Currency', 'Retailer price',
  'Retailer price Currency', 'System requirements _ Memory', 'System requirements _ Disk space',
  'System requirements _ Operating system', 'DRM', 'Status', 'Subscription period', 'New', 'Top', 'Promo',
] as const;
export type FeedColumn = (typeof FEED_COLUMNS)[number];

export type FeedOutput = 'csv' | 'xml';
export type FeedCharset = 'utf-8' | 'iso-8859-1';
export type LineEnding = 'crlf' | 'lf';

/** How a feed is written. `separator`, `delimiter`, `eol`, `charset` and `columns` apply to CSV only. */
export type FeedFormat = {
  id: number;
  partnerId: number;
  name: string;
  version: typeof FEED_VERSION;
  output: FeedOutput;
  /** Excel compatible: UTF-8 with a BOM, `;` separator, CRLF, whatever the other settings say. */
  excel: boolean;
  charset: FeedCharset;
  separator: string;
  delimiter: string;
  eol: LineEnding;
  columns: FeedColumn[];
  updatedAt: string;
};

export type ListKind = 'full' | 'top' | 'new';

/** `ALL`: every language, descriptions in one column pair per language. */
export const ALL_LANGUAGES = 'ALL';

/** Which products of which POS a feed carries, in which language (the URL's `provider`). */
export type FeedProductList = {
  id: number;
  partnerId: number;
  posId: number;
  name: string;
  /** `full`: the POS's whole catalog; `top` / `new`: products flagged Top selling / New. */
  kind: ListKind;
  /** At most this many products (the lowest refs), or every one. */
  maxProducts: number | null;
  /** A language code, or `ALL`. */
  language: string;
  descriptionLanguage: string;
  /** Filters on top of what the POS sells; each one given must match (empty = no filter). */
  categories: number[];
  publishers: number[];
  refs: number[];
  /** Case-insensitive part of a product name, in any language. */
  nameFilter: string | null;
  lastCompleteFetchAt: string | null;
  updatedAt: string;
};

/** What a person gives to define a feed (CLI flags, back-office form); absent keys take the defaults. */
export type FeedSettings = Partial<
  Pick<FeedFormat, 'name' | 'output' | 'excel' | 'charset' | 'separator' | 'delimiter' | 'eol'>
  & Pick<FeedProductList, 'kind' | 'maxProducts' | 'language' | 'descriptionLanguage' | 'categories' | 'publishers' | 'refs' | 'nameFilter'>
  & { columns: string[] }
>;

export const DEFAULT_FEED_FORMAT = { output: 'csv', excel: false, charset: 'utf-8', separator: ',', delimiter: '"', eol: 'crlf' } as const;

/** The separator, quote, line ending and charset a CSV feed is written with, the Excel switch applied. */
export function csvDialectOf(format: FeedFormat): { bom: boolean; separator: string; delimiter: string; eol: string; charset: FeedCharset } {
  if (format.excel) return { bom: true, separator: ';', delimiter: format.delimiter, eol: '\r\n', charset: 'utf-8' };
  return { bom: false, separator: format.separator, delimiter: format.delimiter, eol: format.eol === 'crlf' ? '\r\n' : '\n', charset: format.charset };
}

const COLUMN_BY_NAME = new Map(FEED_COLUMNS.map((c) => [c.toLowerCase(), c]));

function fail(message: string): never {
  throw new InputError(message);
}

function oneCharacter(value: string, what: string): string {
  const v = value === '\\t' || value.toLowerCase() === 'tab' ? '\t' : value;
  if ([...v].length !== 1 || v === '\n' || v === '\r') fail(`${what} must be one character (or "tab"), not "${value}"`);
  return v;
}

function ids(values: number[] | undefined, what: string): number[] | undefined {
  if (values === undefined) return undefined;
  if (values.some((id) => !Number.isInteger(id) || id < 1 || id >= 2 ** 31)) fail(`${what} must be positive whole numbers`);
  return [...new Set(values)];
}

/** Checks and normalises feed settings; throws InputError naming the first bad one. */
export function checkFeedSettings(settings: FeedSettings): FeedSettings {
  const out: FeedSettings = { ...settings };
  if (settings.name !== undefined && settings.name.trim() === '') fail('feed name must not be empty');
  if (settings.output !== undefined && settings.output !== 'csv' && settings.output !== 'xml') fail(`format must be csv or xml, not "${String(settings.output)}"`);
  if (settings.charset !== undefined) {
    const charset = settings.charset.toLowerCase().replace(/^utf8$/, 'utf-8').replace(/^latin-?1$/, 'iso-8859-1');
    out.charset = charset === 'utf-8' || charset === 'iso-8859-1' ? charset : fail(`charset must be UTF-8 or ISO-8859-1, not "${settings.charset}"`);
  }
  if (settings.separator !== undefined) out.separator = oneCharacter(settings.separator, 'separator');
  if (settings.delimiter !== undefined) out.delimiter = oneCharacter(settings.delimiter, 'text delimiter');
  if (out.separator !== undefined && out.separator === out.delimiter) fail('separator and text delimiter must differ');
  if (settings.eol !== undefined && settings.eol !== 'crlf' && settings.eol !== 'lf') fail(`line ending must be crlf or lf, not "${String(settings.eol)}"`);
  if (settings.columns !== undefined) {
    const columns = settings.columns.map((c) => COLUMN_BY_NAME.get(c.trim().toLowerCase()) ?? fail(`"${c.trim()}" is not a 2.4 feed column (${FEED_COLUMNS.join(', ')})`));
    const twice = columns.find((c, i) => columns.indexOf(c) !== i);
    if (twice !== undefined) fail(`column "${twice}" is given twice`);
    if (columns.length === 0) fail('a feed needs at least one column');
    out.columns = columns;
  }
  if (settings.kind !== undefined && !['full', 'top', 'new'].includes(settings.kind)) fail(`provider must be full, top or new, not "${String(settings.kind)}"`);
  if (settings.maxProducts !== undefined && settings.maxProducts !== null && (!Number.isInteger(settings.maxProducts) || settings.maxProducts < 1)) {
    fail('limit must be a positive whole number of products');
  }
  if (settings.language !== undefined) {
    out.language = settings.language.trim().toUpperCase() === ALL_LANGUAGES
      ? ALL_LANGUAGES
      : normaliseLanguage(settings.language) ?? fail(`language must be ALL or a two-letter code, not "${settings.language}"`);
  }
  if (settings.descriptionLanguage !== undefined) {
    out.descriptionLanguage = normaliseLanguage(settings.descriptionLanguage) ?? fail(`description language must be a two-letter code, not "${settings.descriptionLanguage}"`);
  }
  const categories = ids(settings.categories, 'categories');
  const publishers = ids(settings.publishers, 'publishers');
  const refs = ids(settings.refs, 'refs');
  if (categories) out.categories = categories;
  if (publishers) out.publishers = publishers;
  if (refs) out.refs = refs;
  if (settings.nameFilter !== undefined && settings.nameFilter !== null) {
    const filter = settings.nameFilter.trim();
    out.nameFilter = filter === '' ? null : filter;
  }
  return out;
}

// ---- One feed row ------------------------------------------------------------------------------------

export type FeedStatus = 'on_sale' | 'pre_order';

/** How a product is delivered: the XML `deliveryMode` flags, and the CSV `Misc` cell. */
export type DeliveryModes = { serialNumber: boolean; downloadLink: boolean; downloadManager: boolean; digitalLocker: boolean };

/** The delivery modes in the order both outputs list them. */
export const DELIVERY_MODES = ['serialNumber', 'downloadLink', 'downloadManager', 'digitalLocker'] as const satisfies readonly (keyof DeliveryModes)[];

const PRICE_TEXTS_KEPT = 4096;
const priceTexts = new Map<string, Map<number, string>>();

/**
 * A price as feeds write it (formatMinor: the currency's own decimals), remembered per currency: a
 * feed writes the same few prices again and again, and each formatMinor looks its currency up anew.
 */
export function priceText(minor: number, currency: string): string {
  let texts = priceTexts.get(currency);
  if (!texts) priceTexts.set(currency, (texts = new Map()));
  let text = texts.get(minor);
  if (text === undefined) {
    if (texts.size >= PRICE_TEXTS_KEPT) texts.clear();
    texts.set(minor, (text = formatMinor(minor, currency)));
  }
  return text;
}

/** `Total size`: bytes as MB (10^6 bytes) with two decimals. */
export function totalSizeMb(bytes: number): string {
  return (bytes / 1e6).toFixed(2);
}

/** A product as one feed shows it: texts in the list's language(s), prices of the list's POS. */
export type FeedProduct = {
  ref: number;
  publisherId: number;
  publisherName: string;
  name: string;
  /** `YYYY-MM-DD` */
  creationDate: string;
  licenseLifetime: string | null;
  keywords: string | null;
  numberOfUsers: number | null;
  version: string | null;
  ean: string | null;
  type: number;
  releaseDate: string | null;
  totalSizeBytes: number;
  /** Single-language feeds: descriptions in the description language (null with `ALL`). */
  shortDescription: string | null;
  longDescription: string | null;
  /** The language of the texts above, or every language the product has (`ALL`). */
  languages: string[];
  /** `ALL` feeds: descriptions per language of the feed's header (absent = the product has none). */
  descriptions: Record<string, { short: string | null; long: string | null }>;
  images: { small: string | null; medium: string | null; big: string | null };
  screenshots: string[];
  categoryIds: number[];
  currency: string;
  saleMinor: number;
  publicMinor: number;
  retailerMinor: number;
  memoryMb: number | null;
  diskMb: number | null;
  osIds: number[];
  drm: string | null;
  status: FeedStatus;
  subscriptionPeriod: string | null;
  flags: { new: boolean; top: boolean; promo: boolean };
  delivery: DeliveryModes;
};

/** One row of a feed: a product, or (in a `diff`) a product that left the list. */
export type FeedEntry = { kind: 'product'; product: FeedProduct } | { kind: 'removed'; ref: number };

/**
 * The CSV header of a feed: the format's columns, plus with `ALL` one `Short description XX` /
 * `Long description XX` pair per language, appended so the default columns keep their places.
 */
export function csvHeaderOf(columns: readonly FeedColumn[], allLanguages: readonly string[] | null): string[] {
  const header: string[] = [...columns];
  for (const language of allLanguages ?? []) header.push(`Short description ${language.toUpperCase()}`, `Long description ${language.toUpperCase()}`);
  return header;
}
