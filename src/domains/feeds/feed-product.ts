import type { PointOfSale } from '../partners/index.js';
import { posPriceOf, type PosPrice, type Product, type ProductTexts, type Publisher } from '../catalog/index.js';
import { ALL_LANGUAGES, type FeedProduct, type FeedProductList, type FeedStatus } from './feed.js';

/** What turning catalog products into one feed's rows needs besides the products. */
export type FeedContext = {
  list: FeedProductList;
  pos: PointOfSale;
  /** The catalog's master language: texts fall back to it. */
  catalogLanguage: string;
  /** Category → parent, for the category filters (a parent covers its subcategories). */
  parentOf: ReadonlyMap<number, number | null>;
  /** Today (UTC, `YYYY-MM-DD`): a pre-order product is on sale from its release date. */
  today: string;
};

/** A pre-order product is an ordinary one from its release date (rules.md §Orders). */
export function feedStatusOf(product: Product, today: string): FeedStatus {
  return product.status === 'pre_order' && (product.releaseDate === null || product.releaseDate > today) ? 'pre_order' : 'on_sale';
}

function matchesCategories(product: Product, categories: readonly number[], parentOf: ReadonlyMap<number, number | null>): boolean {
  return product.categoryIds.some((id) => categories.includes(id) || categories.includes(parentOf.get(id) ?? -1));
}

function matchesName(product: Product, filter: string): boolean {
  const wanted = filter.toLowerCase();
  return Object.values(product.texts).some((t) => t.name?.toLowerCase().includes(wanted));
}

/**
 * The product's prices as this list sells it, or undefined when the list does not carry it: the POS does not
 * sell it (rules.md: outside its product list, no price in its currency, end of life), the list's kind
 * wants Top or New and it is not flagged so, or a filter of the list does not match. Filters combine:
 * categories and publishers must each match when given; refs and the name filter are alternatives.
 */
export function listedPrice(ctx: FeedContext, product: Product, posSaleMinor: number | undefined): PosPrice | undefined {
  const { list } = ctx;
  if (list.kind === 'top' && !product.flags.top) return undefined;
  if (list.kind === 'new' && !product.flags.new) return undefined;
  if (list.publishers.length > 0 && !list.publishers.includes(product.publisherId)) return undefined;
  if (list.categories.length > 0 && !matchesCategories(product, list.categories, ctx.parentOf)) return undefined;
  if (list.refs.length > 0 || list.nameFilter !== null) {
    const byRef = list.refs.includes(product.ref);
    const byName = list.nameFilter !== null && matchesName(product, list.nameFilter);
    if (!byRef && !byName) return undefined;
  }
  // The prices alone: a feed reads the rest from the product, and copying 100,000 products cost 4% of a feed.
  return posPriceOf(ctx.pos, product, posSaleMinor, ctx.parentOf);
}

/** The first of `languages` the product has texts in, else any it has. */
function textLanguageOf(texts: Record<string, ProductTexts>, languages: readonly string[]): string | undefined {
  return languages.find((l) => texts[l] !== undefined) ?? Object.keys(texts).sort()[0];
}

/** Shared by every row of a one-language feed: no per-language descriptions. */
const NO_DESCRIPTIONS: FeedProduct['descriptions'] = Object.freeze({});

/**
 * A product's row in a feed: texts in the list's language(s), with fallbacks to the catalog's language.
 * The row shares the product's nested values (images, flags, lists) rather than copying them.
 */
export function feedProductOf(ctx: FeedContext, product: Product, publisher: Publisher, price: PosPrice): FeedProduct {
  const { list } = ctx;
  const all = list.language === ALL_LANGUAGES;
  const preferred = all ? [list.descriptionLanguage, ctx.catalogLanguage] : [list.descriptionLanguage, list.language, ctx.catalogLanguage];
  const textLanguage = textLanguageOf(product.texts, preferred);
  const texts = textLanguage === undefined ? undefined : product.texts[textLanguage];
  const name = texts?.name ?? preferred.map((l) => product.texts[l]?.name).find((n) => n) ?? Object.values(product.texts).find((t) => t.name)?.name ?? '';
  const languages = all ? Object.keys(product.texts).sort() : textLanguage === undefined ? [] : [textLanguage];
  let totalSizeBytes = 0;
  for (const file of product.files) totalSizeBytes += file.sizeBytes;
  return {
    ref: product.ref,
    publisherId: product.publisherId,
    publisherName: publisher.name,
    name,
    creationDate: product.createdAt.slice(0, 10),
    licenseLifetime: product.licenseLifetime,
    keywords: product.keywords,
    numberOfUsers: product.numberOfUsers,
    version: product.version,
    ean: product.ean,
    type: product.type,
    releaseDate: product.releaseDate,
    totalSizeBytes,
    shortDescription: all ? null : texts?.shortDescription ?? null,
    longDescription: all ? null : texts?.longDescription ?? null,
    languages,
    descriptions: all ? Object.fromEntries(languages.map((l) => [l, { short: product.texts[l]!.shortDescription, long: product.texts[l]!.longDescription }])) : NO_DESCRIPTIONS,
    images: product.images,
    screenshots: product.screenshots,
    categoryIds: product.categoryIds,
    currency: price.currency,
    saleMinor: price.saleMinor,
    publicMinor: price.publicMinor,
    retailerMinor: price.retailerMinor,
    memoryMb: product.systemRequirements.memoryMb,
    diskMb: product.systemRequirements.diskMb,
    osIds: product.osIds,
    drm: product.drm,
    status: feedStatusOf(product, ctx.today),
    subscriptionPeriod: product.subscription?.period ?? null,
    flags: product.flags,
    delivery: {
      serialNumber: product.delivery.serialsPerUnit > 0,
      downloadLink: product.files.length > 0,
      downloadManager: product.delivery.downloadManager,
      digitalLocker: product.delivery.digitalLockerLink !== null,
    },
  };
}
