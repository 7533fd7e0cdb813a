import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { MAX_ID } from '../../shared/ids.js';
import { currencyDigits, toMinor } from '../../shared/money.js';
import type { ProductTexts } from './product.js';
import {
  checkProductRecord, DEFAULT_LOW_STOCK_THRESHOLD, isHttpUrl, isIsoDate, isIsoDuration, sortPrices,
  type CategoryRecord, type FileRecord, type OperatingSystemRecord, type Problem, type ProductRecord, type PublisherRecord,
} from './product-record.js';

// The catalog file (feeds.md "The catalog file"): the one format that expresses the whole catalog.
// The TypeBox schema below is its reference (docs/catalog-import.md lists the same keys and defaults);
// `problem` is the message a person reads when a value does not fit.

const Id = Type.Integer({ minimum: 1, maximum: MAX_ID, problem: `must be a whole number from 1 to ${MAX_ID}` });
const Ids = Type.Array(Id, { problem: 'must be a list of ids' });
const Text = Type.String({ problem: 'must be text' });
const NonEmptyText = Type.String({ minLength: 1, problem: 'must be non-empty text' });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Flag = Type.Boolean({ problem: 'must be true or false' });
const Amount = Type.Number({ minimum: 0, problem: 'must be a non-negative number' });
const LANGUAGE_KEY = '^[a-z]{2}$';
const Labels = Type.Record(Type.String({ pattern: LANGUAGE_KEY }), NonEmptyText, { additionalProperties: false, minProperties: 1, problem: 'must map language codes to labels' });
const Texts = Type.Record(Type.String({ pattern: LANGUAGE_KEY }), Nullable(Text), { additionalProperties: false, problem: 'must map language codes to texts' });

const strict = { additionalProperties: false } as const;

export const PublisherSchema = Type.Object({ id: Id, name: NonEmptyText, mustProposeDvd: Type.Optional(Flag) }, strict);
export const SubcategorySchema = Type.Object({ id: Id, labels: Labels }, strict);
export const CategorySchema = Type.Object({ id: Id, labels: Labels, subcategories: Type.Optional(Type.Array(SubcategorySchema)) }, strict);
export const OperatingSystemSchema = Type.Object({ id: Id, label: NonEmptyText }, strict);

export const PriceSchema = Type.Object({
  currency: Type.String({ problem: 'must be an ISO 4217 currency code' }),
  retailer: Amount,
  public: Type.Optional(Amount),
  sale: Amount,
  renewal: Type.Optional(Nullable(Amount)),
}, strict);

export const DeliverySchema = Type.Object({
  serialsPerUnit: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, problem: 'must be a whole number from 0 to 100' })),
  serialSource: Type.Optional(Type.Union([Type.Literal('pool'), Type.Literal('generated'), Type.Literal('none')])),
  serialPattern: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100, problem: 'must be a pattern of 1 to 100 characters' }))),
  lowStockThreshold: Type.Optional(Type.Integer({ minimum: 0, problem: 'must be a whole number, 0 or more' })),
  remark: Type.Optional(Nullable(Text)),
  digitalLockerLink: Type.Optional(Nullable(Text)),
  downloadManager: Type.Optional(Flag),
  newSerialEachTerm: Type.Optional(Flag),
}, strict);

export const FileSchema = Type.Object({
  label: NonEmptyText,
  type: Type.Optional(Text),
  group: Type.Optional(Text),
  path: Type.Optional(NonEmptyText),
  url: Type.Optional(NonEmptyText),
  size: Type.Optional(Type.Integer({ minimum: 0, problem: 'must be a size in bytes' })),
  sha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$', problem: 'must be 64 lower-case hex digits' })),
}, strict);

export const ProductSchema = Type.Object({
  ref: Id,
  publisherId: Id,
  type: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(3), Type.Literal(4)])),
  status: Type.Optional(Type.Union([Type.Literal('on_sale'), Type.Literal('pre_order'), Type.Literal('end_of_life')])),
  releaseDate: Type.Optional(Nullable(Type.String({ problem: 'must be a date YYYY-MM-DD' }))),
  names: Texts,
  shortDescriptions: Type.Optional(Texts),
  longDescriptions: Type.Optional(Texts),
  categoryIds: Type.Optional(Ids),
  osIds: Type.Optional(Ids),
  version: Type.Optional(Nullable(Text)),
  numberOfUsers: Type.Optional(Nullable(Type.Integer({ minimum: 1, problem: 'must be a whole number, 1 or more' }))),
  licenseLifetime: Type.Optional(Nullable(Text)),
  ean: Type.Optional(Nullable(Type.String({ pattern: '^[0-9]{8,14}$', problem: 'must be 8 to 14 digits' }))),
  drm: Type.Optional(Nullable(Text)),
  keywords: Type.Optional(Nullable(Text)),
  flags: Type.Optional(Type.Object({ new: Type.Optional(Flag), top: Type.Optional(Flag), promo: Type.Optional(Flag) }, strict)),
  images: Type.Optional(Type.Object({ small: Type.Optional(Nullable(Text)), medium: Type.Optional(Nullable(Text)), big: Type.Optional(Nullable(Text)) }, strict)),
  screenshots: Type.Optional(Type.Array(NonEmptyText)),
  systemRequirements: Type.Optional(Type.Object({
    memoryMb: Type.Optional(Nullable(Type.Integer({ minimum: 0, problem: 'must be a whole number of MB' }))),
    diskMb: Type.Optional(Nullable(Type.Integer({ minimum: 0, problem: 'must be a whole number of MB' }))),
  }, strict)),
  prices: Type.Optional(Type.Array(PriceSchema)),
  delivery: Type.Optional(DeliverySchema),
  files: Type.Optional(Type.Array(FileSchema)),
  subscription: Type.Optional(Nullable(Type.Object({ period: Text }, strict))),
  option: Type.Optional(Nullable(Type.Object({
    kind: Type.Union([Type.Literal('download_extension'), Type.Literal('backup_dvd'), Type.Literal('download_dvd')]),
    duration: Type.Optional(Nullable(Text)),
  }, strict))),
  optionRefs: Type.Optional(Ids),
  crossSellRefs: Type.Optional(Ids),
  upSellRefs: Type.Optional(Ids),
}, strict);

/** The whole catalog file. Every key is optional at the top, so a file may carry only part of a catalog. */
export const CatalogFileSchema = Type.Object({
  masterLanguage: Type.Optional(Type.String({ pattern: LANGUAGE_KEY, problem: 'must be a two-letter lower-case language code' })),
  publishers: Type.Optional(Type.Array(PublisherSchema)),
  categories: Type.Optional(Type.Array(CategorySchema)),
  operatingSystems: Type.Optional(Type.Array(OperatingSystemSchema)),
  products: Type.Optional(Type.Array(ProductSchema)),
}, strict);

export type CatalogFileJson = Static<typeof CatalogFileSchema>;

/** A file of the catalog file given by `path`: read, copied into the store and digested by the import. */
export type LocalFile = { productIndex: number; fileIndex: number; path: string; size: number | undefined; sha256: string | undefined };

/**
 * A catalog file that passed every check that needs neither the database nor the disk. Local files
 * of `products[].files` still have `storePath: null`, size 0 and no digest: `localFiles` says which.
 */
export type CheckedCatalogFile = {
  masterLanguage: string | null;
  publishers: PublisherRecord[];
  /** Top-level categories first, then subcategories, so parents are written before children. */
  categories: CategoryRecord[];
  operatingSystems: OperatingSystemRecord[];
  products: ProductRecord[];
  localFiles: LocalFile[];
};

/** `/products/3/delivery/serialSorce` → `products[3].delivery.serialSorce`. */
export function jsonPathOf(pointer: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const part of parts) {
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out === '' ? '(file)' : out;
}

type SchemaLike = TSchema & { problem?: string; const?: unknown; anyOf?: TSchema[]; patternProperties?: unknown; minimum?: number; maximum?: number };

function describe(schema: SchemaLike): string {
  if ('const' in schema) return JSON.stringify(schema.const);
  switch (schema.type) {
    case 'string': return 'text';
    case 'integer': return 'a whole number';
    case 'number': return 'a number';
    case 'boolean': return 'true or false';
    case 'object': return 'an object';
    case 'array': return 'a list';
    case 'null': return 'null';
    default: return 'a valid value';
  }
}

/** Union errors hide the problem inside the variant that fits the value's type: bring it out. */
function* flatten(error: ValueError): Generator<ValueError> {
  if (error.type === ValueErrorType.Union && error.value !== null && typeof error.value === 'object') {
    const variants = ((error.schema as SchemaLike).anyOf ?? []) as SchemaLike[];
    const index = variants.findIndex((v) => v.type === (Array.isArray(error.value) ? 'array' : 'object'));
    const inner = error.errors[index];
    if (index >= 0 && inner) {
      for (const sub of inner) yield* flatten(sub);
      return;
    }
  }
  yield error;
}

function messageOf(error: ValueError): string {
  const schema = error.schema as SchemaLike;
  switch (error.type) {
    case ValueErrorType.ObjectAdditionalProperties:
      return schema.patternProperties ? 'is not a two-letter lower-case language code' : 'unknown key';
    case ValueErrorType.ObjectRequiredProperty:
      return 'is missing';
    case ValueErrorType.ObjectMinProperties:
      return 'must not be empty';
    case ValueErrorType.Union: {
      const variants = (schema.anyOf ?? []) as SchemaLike[];
      const choices = variants.map(describe);
      return variants.every((v) => 'const' in v || v.type === 'null')
        ? `must be one of ${choices.join(', ')}`
        : `must be ${choices.join(' or ')}`;
    }
    default:
      return schema.problem ?? error.message;
  }
}

/** Schema problems of a parsed catalog file, each with its JSON path; one per path. */
export function schemaProblemsOf(raw: unknown): Problem[] {
  const seen = new Map<string, string>();
  for (const error of Value.Errors(CatalogFileSchema, raw)) {
    for (const leaf of flatten(error)) {
      const path = jsonPathOf(leaf.path);
      if (!seen.has(path)) seen.set(path, messageOf(leaf));
    }
  }
  return [...seen].map(([path, message]) => ({ path, message }));
}

/**
 * Checks a parsed catalog file without the database or the disk: its schema (unknown keys refused
 * with their JSON path), values (dates, ISO 8601 durations, ISO 4217 currencies with at most their
 * decimals, URLs), duplicates, references inside the file, and the product rules; then applies the
 * defaults. Returns every problem found, or the checked content when there is none.
 */
export function checkCatalogFile(raw: unknown): { problems: Problem[] } | { checked: CheckedCatalogFile } {
  const schemaProblems = schemaProblemsOf(raw);
  if (schemaProblems.length > 0) return { problems: schemaProblems };
  const file = raw as CatalogFileJson;
  const problems: Problem[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });

  const publishers = (file.publishers ?? []).map((p) => ({ id: p.id, name: p.name, mustProposeDvd: p.mustProposeDvd ?? false }));
  reportDuplicates(publishers.map((p) => p.id), (i) => `publishers[${i}].id`, problem);

  const categories: CategoryRecord[] = [];
  const categoryPaths: string[] = [];
  (file.categories ?? []).forEach((c, i) => {
    categories.push({ id: c.id, parentId: null, labels: c.labels, position: i });
    categoryPaths.push(`categories[${i}].id`);
  });
  (file.categories ?? []).forEach((c, i) => (c.subcategories ?? []).forEach((s, j) => {
    categories.push({ id: s.id, parentId: c.id, labels: s.labels, position: j });
    categoryPaths.push(`categories[${i}].subcategories[${j}].id`);
  }));
  reportDuplicates(categories.map((c) => c.id), (i) => categoryPaths[i]!, problem);

  const operatingSystems = (file.operatingSystems ?? []).map((o) => ({ id: o.id, label: o.label }));
  reportDuplicates(operatingSystems.map((o) => o.id), (i) => `operatingSystems[${i}].id`, problem);

  const products: ProductRecord[] = [];
  const localFiles: LocalFile[] = [];
  (file.products ?? []).forEach((json, i) => {
    const at = (path: string) => `products[${i}].${path}`;
    const { record, files, problems: own } = productRecordOf(json);
    for (const p of own) problem(at(p.path), p.message);
    for (const p of checkProductRecord(record)) problem(at(p.path), p.message);
    files.forEach((f) => localFiles.push({ ...f, productIndex: i }));
    products.push(record);
  });
  reportDuplicates(products.map((p) => p.ref), (i) => `products[${i}].ref`, problem);

  return problems.length > 0
    ? { problems }
    : { checked: { masterLanguage: file.masterLanguage ?? null, publishers, categories, operatingSystems, products, localFiles } };
}

function reportDuplicates(ids: readonly number[], pathOf: (index: number) => string, problem: (path: string, message: string) => void): void {
  const first = new Map<number, number>();
  ids.forEach((id, i) => {
    const earlier = first.get(id);
    if (earlier === undefined) first.set(id, i);
    else problem(pathOf(i), `${id} is already used by ${pathOf(earlier)}`);
  });
}

type ProductJson = Static<typeof ProductSchema>;

/** One product of the file as a record, with the defaults of docs/catalog-import.md applied. */
function productRecordOf(json: ProductJson): { record: ProductRecord; files: Omit<LocalFile, 'productIndex'>[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });

  if (json.releaseDate != null && !isIsoDate(json.releaseDate)) problem('releaseDate', 'must be a date YYYY-MM-DD');
  if (json.licenseLifetime != null && !isIsoDuration(json.licenseLifetime)) problem('licenseLifetime', 'must be an ISO 8601 duration such as P1Y');
  if (json.subscription && !isIsoDuration(json.subscription.period, true)) problem('subscription.period', 'must be an ISO 8601 duration of days, weeks, months or years, such as P1M or P1Y');
  if (json.option?.duration != null && !isIsoDuration(json.option.duration)) problem('option.duration', 'must be an ISO 8601 duration such as P1Y');
  if (json.delivery?.digitalLockerLink != null && !isHttpUrl(json.delivery.digitalLockerLink)) problem('delivery.digitalLockerLink', 'must be an http(s) URL');

  const languages = [...new Set([...Object.keys(json.names), ...Object.keys(json.shortDescriptions ?? {}), ...Object.keys(json.longDescriptions ?? {})])].sort();
  const texts: Record<string, ProductTexts> = {};
  for (const language of languages) {
    texts[language] = {
      name: json.names[language] ?? null,
      shortDescription: json.shortDescriptions?.[language] ?? null,
      longDescription: json.longDescriptions?.[language] ?? null,
    };
  }

  const subscription = json.subscription ? { period: json.subscription.period } : null;
  const prices: ProductRecord['prices'] = [];
  (json.prices ?? []).forEach((p, j) => {
    const digits = currencyDigits(p.currency);
    if (digits === undefined) {
      problem(`prices[${j}].currency`, `"${p.currency}" is not an ISO 4217 currency code`);
      return;
    }
    const minor = (key: 'retailer' | 'public' | 'sale' | 'renewal', value: number) => {
      const out = toMinor(value, p.currency);
      if (out === undefined) problem(`prices[${j}].${key}`, `${value} is not an amount in ${p.currency} (at most ${digits} decimals, up to 99999999)`);
      return out ?? 0;
    };
    const sale = minor('sale', p.sale);
    prices.push({
      currency: p.currency,
      retailer: minor('retailer', p.retailer),
      public: p.public === undefined ? sale : minor('public', p.public),
      sale,
      // A subscription renews at its sale price unless the file says otherwise.
      renewal: p.renewal != null ? minor('renewal', p.renewal) : subscription ? sale : null,
    });
  });

  const files: Omit<LocalFile, 'productIndex'>[] = [];
  const fileRecords: FileRecord[] = (json.files ?? []).map((f, j) => {
    const base = { label: f.label, type: f.type ?? 'install', group: f.group ?? '' };
    if ((f.path === undefined) === (f.url === undefined)) {
      problem(`files[${j}]`, 'needs exactly one of path (a local file) or url (an origin URL)');
    } else if (f.url !== undefined) {
      if (!isHttpUrl(f.url)) problem(`files[${j}].url`, 'must be an http(s) URL');
      if (f.size === undefined) problem(`files[${j}].size`, 'is missing (the size in bytes of a file given by URL)');
      return { ...base, storePath: null, originUrl: f.url, sizeBytes: f.size ?? 0, sha256: f.sha256 ?? null };
    } else {
      files.push({ fileIndex: j, path: f.path!, size: f.size, sha256: f.sha256 });
    }
    return { ...base, storePath: null, originUrl: null, sizeBytes: 0, sha256: null };
  });

  const d = json.delivery ?? {};
  const serialSource = d.serialSource ?? (d.serialPattern ? 'generated' : (d.serialsPerUnit ?? 0) > 0 ? 'pool' : 'none');
  const record: ProductRecord = {
    ref: json.ref,
    publisherId: json.publisherId,
    type: json.type ?? 1,
    status: json.status ?? 'on_sale',
    releaseDate: json.releaseDate ?? null,
    texts,
    categoryIds: json.categoryIds ?? [],
    osIds: json.osIds ?? [],
    version: json.version ?? null,
    numberOfUsers: json.numberOfUsers ?? null,
    licenseLifetime: json.licenseLifetime ?? null,
    ean: json.ean ?? null,
    drm: json.drm ?? null,
    keywords: json.keywords ?? null,
    flags: { new: json.flags?.new ?? false, top: json.flags?.top ?? false, promo: json.flags?.promo ?? false },
    images: { small: json.images?.small ?? null, medium: json.images?.medium ?? null, big: json.images?.big ?? null },
    screenshots: json.screenshots ?? [],
    systemRequirements: { memoryMb: json.systemRequirements?.memoryMb ?? null, diskMb: json.systemRequirements?.diskMb ?? null },
    prices: sortPrices(prices),
    delivery: {
      serialsPerUnit: d.serialsPerUnit ?? (serialSource === 'none' ? 0 : 1),
      serialSource,
      serialPattern: d.serialPattern ?? null,
      lowStockThreshold: d.lowStockThreshold ?? DEFAULT_LOW_STOCK_THRESHOLD,
      remark: d.remark ?? null,
      digitalLockerLink: d.digitalLockerLink ?? null,
      downloadManager: d.downloadManager ?? fileRecords.length > 0,
      newSerialEachTerm: d.newSerialEachTerm ?? false,
    },
    files: fileRecords,
    subscription,
    option: json.option ? { kind: json.option.kind, duration: json.option.duration ?? null } : null,
    optionRefs: json.optionRefs ?? [],
    crossSellRefs: json.crossSellRefs ?? [],
    upSellRefs: json.upSellRefs ?? [],
  };
  return { record, files, problems };
}
