import type { PointOfSale } from '../partners/index.js';

export type ProductStatus = 'on_sale' | 'pre_order' | 'end_of_life';
export type SerialSource = 'pool' | 'generated' | 'none';
export type OptionKind = 'download_extension' | 'backup_dvd' | 'download_dvd';

export type ProductTexts = { name: string | null; shortDescription: string | null; longDescription: string | null };

/** Prices of one currency, in minor units. `renewal` is the subscription renewal price. */
export type ProductPrice = { currency: string; retailer: number; public: number; sale: number; renewal: number | null };

export type ProductFile = {
  id: number;
  label: string;
  type: string;
  group: string;
  /** Path inside the file store (served by this server), or null for an origin URL. */
  storePath: string | null;
  originUrl: string | null;
  sizeBytes: number;
  sha256: string | null;
};

export type Delivery = {
  serialsPerUnit: number;
  serialSource: SerialSource;
  serialPattern: string | null;
  lowStockThreshold: number;
  remark: string | null;
  digitalLockerLink: string | null;
  downloadManager: boolean;
  newSerialEachTerm: boolean;
};

export type Product = {
  ref: number;
  publisherId: number;
  type: number;
  status: ProductStatus;
  releaseDate: string | null;
  /** Texts per language code (`en`, `fr`, …). */
  texts: Record<string, ProductTexts>;
  categoryIds: number[];
  osIds: number[];
  version: string | null;
  numberOfUsers: number | null;
  licenseLifetime: string | null;
  ean: string | null;
  drm: string | null;
  keywords: string | null;
  flags: { new: boolean; top: boolean; promo: boolean };
  images: { small: string | null; medium: string | null; big: string | null };
  screenshots: string[];
  systemRequirements: { memoryMb: number | null; diskMb: number | null };
  prices: ProductPrice[];
  delivery: Delivery;
  files: ProductFile[];
  subscription: { period: string } | null;
  option: { kind: OptionKind; duration: string | null } | null;
  optionRefs: number[];
  crossSellRefs: number[];
  upSellRefs: number[];
  createdAt: string;
  updatedAt: string;
};

export type Publisher = { id: number; name: string; mustProposeDvd: boolean };

/** A product as one POS sells it: its price in the POS currency, the POS's sale price applied. */
export type SellableProduct = Product & {
  publisher: Publisher;
  currency: string;
  /** What the end user pays by default in this POS (the POS override, else the product's sale price). */
  saleMinor: number;
  /** What the platform invoices the partner. */
  retailerMinor: number;
  publicMinor: number;
  renewalMinor: number | null;
};

/**
 * Whether a product is in a POS's product list: the whole catalog when the list has no filter, else a
 * product matching any of its publishers, categories (a parent category covers its subcategories) or refs.
 */
export function isInProductList(pos: PointOfSale, product: Product, parentOf: ReadonlyMap<number, number | null>): boolean {
  const { publishers, categories, refs } = pos.productList;
  if (publishers.length === 0 && categories.length === 0 && refs.length === 0) return true;
  if (refs.includes(product.ref) || publishers.includes(product.publisherId)) return true;
  return product.categoryIds.some((id) => categories.includes(id) || categories.includes(parentOf.get(id) ?? -1));
}

/** What a POS charges for a product, in its currency. */
export type PosPrice = Pick<SellableProduct, 'currency' | 'saleMinor' | 'retailerMinor' | 'publicMinor' | 'renewalMinor'>;

/**
 * The product's prices in this POS (its sale price override first), or undefined when the POS does not
 * sell it: outside its product list, without a price in its currency, or at end of life.
 */
export function posPriceOf(
  pos: PointOfSale,
  product: Product,
  posSaleMinor: number | undefined,
  parentOf: ReadonlyMap<number, number | null>,
): PosPrice | undefined {
  if (product.status === 'end_of_life') return undefined;
  const price = product.prices.find((p) => p.currency === pos.currency);
  if (!price || !isInProductList(pos, product, parentOf)) return undefined;
  return { currency: price.currency, saleMinor: posSaleMinor ?? price.sale, retailerMinor: price.retailer, publicMinor: price.public, renewalMinor: price.renewal };
}

/** The product as this POS sells it, or undefined when the POS does not sell it (posPriceOf). */
export function sellableBy(
  pos: PointOfSale,
  product: Product,
  publisher: Publisher,
  posSaleMinor: number | undefined,
  parentOf: ReadonlyMap<number, number | null>,
): SellableProduct | undefined {
  const price = posPriceOf(pos, product, posSaleMinor, parentOf);
  // Object.assign rather than a spread: on Node 20 a spread followed by new keys costs ~10 times more.
  return price && Object.assign({}, product, { publisher }, price);
}

/** Products whose units are not limited by a key pool (always status 100). */
export function hasUnlimitedStock(product: Product): boolean {
  return product.delivery.serialSource !== 'pool' || product.delivery.serialsPerUnit === 0
    || product.status === 'pre_order' || product.option?.kind === 'backup_dvd' || product.option?.kind === 'download_dvd';
}
