// Key import (quality.md: 1,000,000 keys in ≤ 60 s): `resell keys import --product <ref> <file> --json`
// into a pool product while the server runs; the wall time of the command, its start included. The
// stock status through the API afterwards proves the keys are there.
import fs from 'node:fs';
import { call, catalogProduct, connectHeaders, createPartner, importCatalog, writeKeyFile } from '../lib/connect.mjs';

const REF = 850_001;

export default {
  name: 'keyImport',
  describe: '`resell keys import` of a fresh key file (one key per line) into a pool product, server running',
  timeoutSeconds: (quick) => (quick ? 180 : 1200),
  async run(ctx) {
    const keys = ctx.quick ? 20_000 : 1_000_000;
    const shop = await ctx.openShop();
    await importCatalog(shop, { products: [catalogProduct(REF)] });
    const partner = await createPartner(shop);
    const server = await shop.startServer();
    const file = writeKeyFile(shop, 'keys.txt', keys, `IMP${REF}`);
    const bytes = fs.statSync(file).size;
    ctx.log(`importing ${keys.toLocaleString('en')} keys (${(bytes / 2 ** 20).toFixed(1)} MB)`);
    const { json, seconds } = await shop.resellJson(['keys', 'import', '--product', String(REF), file, '--json'], { timeoutMs: 1_100_000 });

    const headers = await connectHeaders(server.url, partner);
    const stock = await call(server.url, 'POST', '/connect/stock', { headers, body: { productRefs: [REF] } });
    const inStock = stock.status === 200 && stock.body?.productStatus?.[0]?.status === 100;
    const errors = (keys - json.inserted) + json.duplicates + (inStock ? 0 : 1);
    return {
      unit: 'keys/s',
      throughput: json.inserted / seconds,
      seconds,
      keys,
      inserted: json.inserted,
      duplicates: json.duplicates,
      fileMb: bytes / 2 ** 20,
      stockStatusAfter: stock.body?.productStatus?.[0]?.status ?? null,
      errors,
    };
  },
};
