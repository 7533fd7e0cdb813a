import type { Logger } from 'pino';
import type { Config } from './config.js';
import { connectDatabase, connectReadDatabase, unitsOfWorkFor, type DatabaseOptions } from './db/connect.js';
import type { UnitsOfWork } from './db/units-of-work.js';
import type { Db } from './db/schema.js';
import { catalogReader, catalogService, type CatalogReader, type CatalogService } from './domains/catalog/index.js';
import { downloadsService, type DownloadsService } from './domains/downloads/index.js';
import { feedsService, type FeedsService } from './domains/feeds/index.js';
import { orderChangesService, ordersService, type OrderChangesService, type OrdersService } from './domains/orders/index.js';
import { partnersService, tokensService } from './domains/partners/index.js';
import { stockService, type StockService } from './domains/stock/index.js';
import { subscriptionsService, type SubscriptionsService } from './domains/subscriptions/index.js';
import { loadKeyMaterial } from './key-files.js';
import { systemClock, type Clock } from './shared/clock.js';
import { createKeyring, type Keyring } from './shared/keyring.js';

/** Everything a process needs, built by hand here and nowhere else: the composition root. */
export type App = {
  config: Config;
  db: Db;
  /** Long reads (feeds): a read-only connection on SQLite, the main pool on PostgreSQL. */
  readDb: Db;
  /** Where requests' and jobs' writes run: group commit on SQLite, a transaction each on PostgreSQL. */
  units: UnitsOfWork;
  clock: Clock;
  keyring: Keyring;
  catalog: CatalogService;
  /** Products as requests and jobs read them, cached per process against the catalog version. */
  catalogReader: CatalogReader;
  partners: ReturnType<typeof partnersService>;
  tokens: ReturnType<typeof tokensService>;
  stock: StockService;
  orders: OrdersService;
  downloads: DownloadsService;
  orderChanges: OrderChangesService;
  subscriptions: SubscriptionsService;
  feeds: FeedsService;
  close(): Promise<void>;
};

export type AppOptions = {
  clock?: Clock;
  db?: Db;
  database?: DatabaseOptions;
  logger?: Logger;
};

/** Products kept per process: far more than a shop's hot products, far less than a 100,000-product catalog. */
const PRODUCT_CACHE_SIZE = 5000;

export function createApp(config: Config, options: AppOptions = {}): App {
  const clock = options.clock ?? systemClock;
  const db = options.db ?? connectDatabase(config, options.database);
  const keys = loadKeyMaterial(config);
  const keyring = createKeyring(keys.signingKey, keys.encryptionKey);
  const stock = stockService({ keyring, clock });
  const products = catalogReader({ maxProducts: PRODUCT_CACHE_SIZE });
  const tokens = tokensService({ keyring, clock });
  let readDb: Db | undefined;
  // Orders do not import subscriptions (subscriptions place renewal orders): the hooks are bound here.
  const orders = ordersService({
    keyring, clock, stock, catalog: products, publicUrl: config.publicUrl, downloadWindowDays: config.downloadWindowDays,
    hooks: { orderPlaced: (tx, order) => subscriptions.startSubscriptions(tx, order) },
  });
  const subscriptions = subscriptionsService({ clock, orders, catalog: products, graceDays: config.renewalGraceDays, rowLocks: config.engine === 'postgres' });
  return {
    config,
    db,
    units: unitsOfWorkFor(config, db),
    clock,
    keyring,
    catalog: catalogService({ clock, fileStoreDir: config.fileStoreDir }),
    catalogReader: products,
    partners: partnersService({ keyring, clock }),
    tokens,
    stock,
    orders,
    downloads: downloadsService({ keyring, clock, publicUrl: config.publicUrl, fileStoreDir: config.fileStoreDir }),
    orderChanges: orderChangesService({
      clock,
      hooks: {
        renewedAgainSince: (tx, orderNumber) => subscriptions.renewedAgainSince(tx, orderNumber),
        orderCancelled: (tx, orderNumber) => subscriptions.terminateForOrder(tx, orderNumber),
      },
    }),
    subscriptions,
    feeds: feedsService({ clock, tokens, publicUrl: config.publicUrl }),
    // Opened on first use: the file must exist (the main connection creates it) and be migrated.
    get readDb() {
      readDb ??= options.db ? db : connectReadDatabase(config, db);
      return readDb;
    },
    close: async () => {
      if (readDb && readDb !== db) await readDb.destroy();
      await db.destroy();
    },
  };
}
