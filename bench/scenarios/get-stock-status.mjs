// getStockStatus with 10 refs (quality.md): POST /connect/stock for ten pooled products that all have
// enough keys, driven with 64 connections, against a bare Fastify answering the same JSON.
import { call, catalogProduct, connectHeaders, createPartner, importCatalog, importKeys } from '../lib/connect.mjs';
import { measureAgainstBaseline } from '../lib/load.mjs';

const REFS = Array.from({ length: 10 }, (_, i) => 810_001 + i);
const KEYS_EACH = 50;

export default {
  name: 'getStockStatus',
  describe: 'POST /connect/stock with 10 product refs (pooled keys), valid JWT + POS secret',
  timeoutSeconds: (quick) => (quick ? 180 : 600),
  async run(ctx) {
    const shop = await ctx.openShop();
    ctx.log(`importing ${REFS.length} pooled products with ${KEYS_EACH} keys each`);
    await importCatalog(shop, { products: REFS.map((ref) => catalogProduct(ref)) });
    for (const ref of REFS) await importKeys(shop, ref, KEYS_EACH);
    const partner = await createPartner(shop);
    const server = await shop.startServer();
    const headers = await connectHeaders(server.url, partner);
    const body = JSON.stringify({ productRefs: REFS });

    const probe = await call(server.url, 'POST', '/connect/stock', { headers, body });
    const entries = probe.body?.productStatus ?? [];
    if (probe.status !== 200 || probe.body?.responseCode !== 0 || entries.length !== REFS.length || entries.some((e) => e.responseCode !== 0 || e.status !== 100)) {
      throw new Error(`getStockStatus probe answered ${probe.status}: ${probe.text.slice(0, 500)}`);
    }
    return measureAgainstBaseline({
      shape: { method: 'POST', route: '/connect/stock', status: probe.status, answer: probe.body },
      driveOptions: { ...ctx.load, method: 'POST', path: '/connect/stock', headers, body, checkResponseCode: true },
      server,
    });
  },
};
