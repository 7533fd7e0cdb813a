// Data loading shared by the scenarios, through the product's own CLI (partner, POS settings,
// catalog, keys) and its partner API (tokens, orders): nothing is written to the database directly.
import fs from 'node:fs';
import path from 'node:path';

export const PUBLISHER = { id: 1, name: 'Bench Publisher' };

/** A product in the catalog file format (feeds.md §"The catalog file"), priced in EUR. */
export function catalogProduct(ref, { delivery = { serialSource: 'pool', serialsPerUnit: 1 }, renewal, subscription, names, ...rest } = {}) {
  return {
    ref,
    publisherId: PUBLISHER.id,
    names: names ?? { en: `Bench product ${ref}` },
    prices: [{ currency: 'EUR', retailer: 10, public: 25, sale: 20, ...(renewal !== undefined && { renewal }) }],
    delivery,
    ...(subscription && { subscription }),
    ...rest,
  };
}

/** Writes a catalog file into the shop's data folder and imports it with `resell catalog import --json`. */
export async function importCatalog(shop, catalog, { timeoutMs } = {}) {
  const file = path.join(shop.dataDir, 'catalog.json');
  fs.writeFileSync(file, JSON.stringify({ publishers: [PUBLISHER], ...catalog }));
  const { json, seconds } = await shop.resellJson(['catalog', 'import', file, '--json'], { timeoutMs });
  const wanted = catalog.products?.length ?? 0;
  if (json.inserted !== wanted) throw new Error(`catalog import inserted ${json.inserted} of ${wanted} products: ${JSON.stringify(json).slice(0, 500)}`);
  return { ...json, seconds };
}

/** Writes `count` distinct keys (one per line) to a file in the data folder, in chunks; returns its path. */
export function writeKeyFile(shop, name, count, prefix) {
  const file = path.join(shop.dataDir, name);
  const fd = fs.openSync(file, 'w');
  try {
    const chunk = 50_000;
    for (let from = 0; from < count; from += chunk) {
      const lines = [];
      for (let i = from; i < Math.min(count, from + chunk); i++) lines.push(`${prefix}-${i.toString(36).toUpperCase().padStart(6, '0')}-${((i * 2654435761) >>> 0).toString(16).toUpperCase().padStart(8, '0')}`);
      fs.writeSync(fd, `${lines.join('\n')}\n`);
    }
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

/** `resell keys import --product <ref> <file> --json` with `count` fresh keys; checks every one was inserted. */
export async function importKeys(shop, ref, count, { timeoutMs } = {}) {
  const file = writeKeyFile(shop, `keys-${ref}.txt`, count, `K${ref}`);
  const { json, seconds } = await shop.resellJson(['keys', 'import', '--product', String(ref), file, '--json'], { timeoutMs });
  if (json.inserted !== count) throw new Error(`keys import inserted ${json.inserted} of ${count} keys: ${JSON.stringify(json)}`);
  fs.rmSync(file, { force: true });
  return { ...json, seconds };
}

/** `resell partner create --json` (EUR, FR) then `resell pos update --rate-limit off`: credentials of a partner whose POS sells everything. */
export async function createPartner(shop, name = 'Bench Shop', extraArgs = []) {
  const { json: partner } = await shop.resellJson(['partner', 'create', '--name', name, ...extraArgs, '--json']);
  await shop.resellJson(['pos', 'update', '--pos', String(partner.posId), '--rate-limit', 'off', '--json']);
  return partner;
}

/** One HTTP call for setup (not measured): { status, body } with the body parsed when it is JSON. */
export async function call(base, method, urlPath, { headers = {}, body } = {}) {
  const res = await fetch(new URL(urlPath, base), {
    method,
    headers: { ...headers, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, text };
}

/** An access token of `partner` from POST /iam/tokens (valid 300 s). */
export async function getToken(base, partner) {
  const res = await call(base, 'POST', '/iam/tokens', { body: { realmName: partner.realmName, clientSecret: partner.clientSecret, grantType: 'client_credentials' } });
  if (res.status !== 200 || typeof res.body?.access_token !== 'string') throw new Error(`token refused: ${res.status} ${res.text.slice(0, 300)}`);
  return res.body.access_token;
}

/** The headers of a Connect call: bearer token and POS secret. */
export async function connectHeaders(base, partner) {
  return { authorization: `Bearer ${await getToken(base, partner)}`, secret: partner.secret };
}

/** A valid createOrder body (connect-api.md §6, as test/support/orders.ts builds it): customer in Paris, EUR. */
export function orderBody(partnerOrderNumber, lines) {
  return {
    partnerOrderNumber,
    orderDate: '2026-06-15T12:00:00+02:00',
    currency: 'EUR',
    orderLines: lines,
    customer: {
      email: 'jane.doe@example.com',
      language: 'fr_FR',
      locationInvoice: { lastName: 'Doe', firstName: 'Jane', address1: '1 rue de la Paix', zipCode: '75002', city: 'Paris', country: 'FR' },
    },
  };
}

/**
 * Places `count` orders through POST /connect/order/new, `concurrency` at a time, each with
 * `linesOf(i)`; throws on the first answer that is not 201 with responseCode 0. Returns their
 * partnerOrderNumbers.
 */
export async function placeOrders(base, partner, { count, concurrency = 8, prefix, linesOf }) {
  let headers = await connectHeaders(base, partner);
  let tokenAt = Date.now();
  const numbers = [];
  let next = 0;
  async function worker() {
    while (next < count) {
      const i = next++;
      if (Date.now() - tokenAt > 200_000) {
        tokenAt = Date.now();
        headers = await connectHeaders(base, partner);
      }
      const pon = `${prefix}-${i}`;
      const res = await call(base, 'POST', '/connect/order/new', { headers, body: orderBody(pon, linesOf(i)) });
      if (res.status !== 201 || res.body?.responseCode !== 0) throw new Error(`order ${pon} not placed: ${res.status} ${res.text.slice(0, 500)}`);
      numbers[i] = pon;
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return numbers;
}
