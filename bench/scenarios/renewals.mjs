// Renewal job (quality.md: 100,000 subscriptions due at once, ≥ 1,000 renewals/s with one process on
// SQLite; ≥ 500/s with 2 workers and zero duplicates on PostgreSQL). The subscriptions come from orders
// placed through the API (each unit of a subscription product starts one); then `resell renew --now
// <a month and a few days later> --json` runs once (twice at the same time on PostgreSQL) and the
// database is read back: one term per subscription, every subscription at generation 1.
import { catalogProduct, createPartner, importCatalog, placeOrders } from '../lib/connect.mjs';

const REFS = Array.from({ length: 10 }, (_, i) => 840_001 + i);
const UNITS_PER_LINE = 100; // the API's maximum quantity of a line (connect-api.md §6)
const DAY_MS = 86_400_000;

export default {
  name: 'renewals',
  describe: '`resell renew --json` over subscriptions all due at once (monthly, generated serial); 2 workers on PostgreSQL',
  timeoutSeconds: (quick) => (quick ? 300 : 3600),
  async run(ctx) {
    const subscriptions = ctx.quick ? 2000 : 100_000;
    const workers = ctx.engine === 'postgres' ? 2 : 1;
    const shop = await ctx.openShop();
    await importCatalog(shop, {
      products: REFS.map((ref) => catalogProduct(ref, {
        names: { en: `Bench subscription ${ref}` },
        renewal: 18,
        subscription: { period: 'P1M' },
        delivery: { serialsPerUnit: 1, serialSource: 'generated', serialPattern: 'XXXX-XXXX-XXXX' },
      })),
    });
    const partner = await createPartner(shop);
    const server = await shop.startServer();

    // Orders of up to 10 lines × 100 units: each unit is one subscription.
    const perOrder = REFS.length * UNITS_PER_LINE;
    const orders = Math.ceil(subscriptions / perOrder);
    const linesOf = (i) => {
      let left = Math.min(perOrder, subscriptions - i * perOrder);
      const lines = [];
      for (const ref of REFS) {
        if (left <= 0) break;
        const quantity = Math.min(UNITS_PER_LINE, left);
        lines.push({ productRef: ref, quantity });
        left -= quantity;
      }
      return lines;
    };
    ctx.log(`placing ${orders} orders (${subscriptions.toLocaleString('en')} subscriptions) through the API`);
    const placingStarted = process.hrtime.bigint();
    await placeOrders(server.url, partner, { count: orders, concurrency: 4, prefix: `REN${process.pid}`, linesOf });
    const placingSeconds = Number(process.hrtime.bigint() - placingStarted) / 1e9;
    const started = Number(await shop.database.query('select count(*) from subscriptions'));
    if (started !== subscriptions) throw new Error(`${started} subscriptions started, ${subscriptions} wanted`);

    const now = new Date(Date.now() + 35 * DAY_MS).toISOString();
    ctx.log(`renew --now ${now} with ${workers} worker process(es)`);
    const timeoutMs = ctx.quick ? 240_000 : 3_000_000;
    const t0 = process.hrtime.bigint();
    const runs = await Promise.all(Array.from({ length: workers }, () => shop.resellJson(['renew', '--now', now, '--json'], { timeoutMs })));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;

    const renewed = runs.reduce((sum, r) => sum + r.json.renewed, 0);
    const failed = runs.reduce((sum, r) => sum + r.json.failed, 0);
    const terms = Number(await shop.database.query('select count(*) from subscription_terms'));
    const distinct = Number(await shop.database.query('select count(distinct subscription_id) from subscription_terms'));
    const atGenerationOne = Number(await shop.database.query('select count(*) from subscriptions where generation = 1'));
    // The primary key (subscription_id, generation) forbids a second term row; a duplicate would show
    // as more renewals reported than terms stored, or a subscription past generation 1.
    const duplicates = (renewed - distinct) + (terms - distinct) + Number(await shop.database.query('select count(*) from subscriptions where generation > 1'));
    const missed = subscriptions - atGenerationOne;
    return {
      unit: 'renewals/s',
      throughput: terms / seconds,
      seconds,
      workers,
      subscriptions,
      renewed,
      failed,
      terms,
      duplicates,
      errors: missed + failed + Math.max(0, duplicates),
      perWorker: runs.map((r) => ({ ...r.json, seconds: r.seconds })),
      setup: { orders, placingSeconds },
    };
  },
};
