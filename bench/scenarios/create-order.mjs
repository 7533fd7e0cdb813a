// createOrder, 1 line, pooled serial, valid JWT + POS secret (quality.md): POST /connect/order/new with
// a partnerOrderNumber of its own per request, on a pool product with enough keys for the whole run.
// On PostgreSQL a pgbench TPC-B run on the same server is measured alongside, as the target says.
import { call, catalogProduct, connectHeaders, createPartner, importCatalog, importKeys, orderBody } from '../lib/connect.mjs';
import { measureAgainstBaseline } from '../lib/load.mjs';
import { pgbenchTps } from '../lib/pgbench.mjs';

const REF = 820_001;
const PLACEHOLDER = '__PARTNER_ORDER_NUMBER__';
const ORDERS_PER_SECOND_AT_MOST = 8_000;

export default {
  name: 'createOrder',
  describe: 'POST /connect/order/new, 1 line of 1 unit of a pooled-serial product, unique partnerOrderNumber per request',
  timeoutSeconds: (quick) => (quick ? 240 : 1200),
  async run(ctx) {
    // Enough keys for the run at twice the fastest rate seen here, so a longer quick run (a profile's)
    // does not run the pool dry and measure refusals instead of orders.
    const keys = Math.max(ctx.quick ? 20_000 : 300_000, Math.ceil((ctx.load.warmup + ctx.load.duration) * ORDERS_PER_SECOND_AT_MOST));
    const shop = await ctx.openShop();
    await importCatalog(shop, { products: [catalogProduct(REF)] });
    ctx.log(`importing ${keys.toLocaleString('en')} keys`);
    await importKeys(shop, REF, keys, { timeoutMs: 900_000 });
    const partner = await createPartner(shop);
    const server = await shop.startServer();
    const headers = await connectHeaders(server.url, partner);

    const probe = await call(server.url, 'POST', '/connect/order/new', { headers, body: orderBody(`PROBE-${process.pid}`, [{ productRef: REF, quantity: 1 }]) });
    if (probe.status !== 201 || probe.body?.responseCode !== 0) throw new Error(`createOrder probe answered ${probe.status}: ${probe.text.slice(0, 500)}`);

    const figures = await measureAgainstBaseline({
      shape: { method: 'POST', route: '/connect/order/new', status: probe.status, answer: probe.body },
      driveOptions: {
        ...ctx.load,
        method: 'POST',
        path: '/connect/order/new',
        headers,
        body: JSON.stringify(orderBody(PLACEHOLDER, [{ productRef: REF, quantity: 1 }])),
        unique: PLACEHOLDER,
        uniquePrefix: 'B',
        checkResponseCode: true,
      },
      server,
    });
    figures.unit = 'orders/s';
    figures.keysLoaded = keys;
    if (ctx.engine === 'postgres') {
      ctx.log('pgbench TPC-B alongside');
      const pgbench = await pgbenchTps(ctx.postgresUrl, { seconds: ctx.load.duration, clients: 32 });
      figures.pgbench = pgbench;
      if (pgbench.tps) figures.ratioToPgbench = figures.throughput / pgbench.tps;
    }
    return figures;
  },
};
