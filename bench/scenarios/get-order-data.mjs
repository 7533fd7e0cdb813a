// getOrderData (quality.md): GET /connect/order/{partnerOrderNumber} cycling over orders placed
// beforehand through the API (1 line, 1 pooled serial each).
import { call, catalogProduct, connectHeaders, createPartner, importCatalog, importKeys, placeOrders } from '../lib/connect.mjs';
import { measureAgainstBaseline } from '../lib/load.mjs';

const REF = 830_001;

export default {
  name: 'getOrderData',
  describe: 'GET /connect/order/{partnerOrderNumber}, cycling over orders placed through the API (1 line, 1 serial)',
  timeoutSeconds: (quick) => (quick ? 240 : 900),
  async run(ctx) {
    const orders = ctx.quick ? 200 : 1000;
    const shop = await ctx.openShop();
    await importCatalog(shop, { products: [catalogProduct(REF)] });
    await importKeys(shop, REF, orders);
    const partner = await createPartner(shop);
    const server = await shop.startServer();
    ctx.log(`placing ${orders} orders through the API`);
    const numbers = await placeOrders(server.url, partner, { count: orders, prefix: `GOD${process.pid}`, linesOf: () => [{ productRef: REF, quantity: 1 }] });
    const paths = numbers.map((pon) => `/connect/order/${encodeURIComponent(pon)}`);
    const headers = await connectHeaders(server.url, partner);

    const probe = await call(server.url, 'GET', paths[0], { headers });
    if (probe.status !== 200 || probe.body?.responseCode !== 0) throw new Error(`getOrderData probe answered ${probe.status}: ${probe.text.slice(0, 500)}`);
    const figures = await measureAgainstBaseline({
      shape: { method: 'GET', route: '/connect/order/:partnerOrderNumber', status: probe.status, answer: probe.body },
      driveOptions: { ...ctx.load, method: 'GET', paths, headers, checkResponseCode: true },
      server,
    });
    figures.orders = orders;
    return figures;
  },
};
