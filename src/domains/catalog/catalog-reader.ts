import type { Tx } from '../../db/schema.js';
import { setWithin } from '../../shared/bounded-map.js';
import type { PointOfSale } from '../partners/index.js';
import { categoryParents, findCatalogVersion, findPosSalePricesWithVersion, findProducts, findPublishers } from './catalog.repository.js';
import { sellableBy, type Product, type Publisher, type SellableProduct } from './product.js';

/**
 * Products as the order, stock, offer and subscription paths read them, from a per-process cache:
 * a product is read with seven queries, and the hot paths read the same few products again and
 * again. The cache is checked against the catalog version (one query; on the read connection only
 * after a commit, snapshots.ts) at every read, and emptied when the version moved, so a catalog
 * import by any process shows at once. POS prices are read every time (they change without the
 * catalog), with the catalog version in the same statement.
 */
export type CatalogReader = {
  /** Products by ref; unknown refs are absent. */
  findProducts(tx: Tx, refs: readonly number[]): Promise<Map<number, Product>>;
  /**
   * The products of `refs` that this POS sells, with its prices; a ref the POS does not sell (outside
   * its list, not priced in its currency, end of life, unknown) is absent, exactly like an unknown one.
   */
  findSellable(tx: Tx, pos: PointOfSale, refs: readonly number[]): Promise<Map<number, SellableProduct>>;
};

type Cached = {
  version: string;
  products: Map<number, Product>;
  publishers: Map<number, Publisher>;
  parents: Map<number, number | null> | undefined;
};

export function catalogReader(options: { maxProducts: number }): CatalogReader {
  let cached: Cached = { version: '', products: new Map(), publishers: new Map(), parents: undefined };

  /** The cache at this catalog version: emptied first when the catalog changed since it was filled. */
  function cacheAt(version: string): Cached {
    if (version !== cached.version) cached = { version, products: new Map(), publishers: new Map(), parents: undefined };
    return cached;
  }

  const current = async (tx: Tx): Promise<Cached> => cacheAt(await findCatalogVersion(tx));

  async function productsOf(tx: Tx, cache: Cached, refs: readonly number[]): Promise<Map<number, Product>> {
    const out = new Map<number, Product>();
    const missing: number[] = [];
    for (const ref of new Set(refs)) {
      const product = cache.products.get(ref);
      if (product) out.set(ref, product);
      else missing.push(ref);
    }
    if (missing.length === 0) return out;
    // Unknown refs are not remembered: a product created later must be found.
    const loaded = await findProducts(tx, missing);
    for (const ref of missing) {
      const product = loaded.get(ref);
      if (!product) continue;
      out.set(ref, product);
      // Oldest entries first out: the hot products are read again and come back in at the end.
      setWithin(cache.products, ref, product, options.maxProducts);
    }
    return new Map([...new Set(refs)].flatMap((ref) => (out.has(ref) ? [[ref, out.get(ref)!] as const] : [])));
  }

  return {
    async findProducts(tx, refs) {
      if (refs.length === 0) return new Map();
      return productsOf(tx, await current(tx), refs);
    },

    async findSellable(tx, pos, refs) {
      if (refs.length === 0) return new Map();
      // The POS's prices are read at every call: the catalog version comes with them.
      const { version, prices: overrides } = await findPosSalePricesWithVersion(tx, pos.id, [...new Set(refs)]);
      const cache = cacheAt(version);
      const products = await productsOf(tx, cache, refs);
      if (products.size === 0) return new Map();
      const missingPublishers = [...new Set([...products.values()].map((p) => p.publisherId))].filter((id) => !cache.publishers.has(id));
      const [publishers, parents] = await Promise.all([
        findPublishers(tx, missingPublishers),
        cache.parents ?? categoryParents(tx),
      ]);
      for (const [id, publisher] of publishers) cache.publishers.set(id, publisher);
      cache.parents = parents;
      const out = new Map<number, SellableProduct>();
      for (const product of products.values()) {
        const sellable = sellableBy(pos, product, cache.publishers.get(product.publisherId)!, overrides.get(product.ref), parents);
        if (sellable) out.set(product.ref, sellable);
      }
      return out;
    },
  };
}
