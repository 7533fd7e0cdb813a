import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { givenKeys, givenProduct } from '../support/products.js';
import { connectCall, startTestApp, type TestApp, type TestPartner } from '../support/test-app.js';

let t: TestApp;
let partner: TestPartner;

beforeAll(async () => {
  t = await startTestApp();
  partner = await t.given.partner();
});
afterAll(() => t.close());

type Entry = { productRef: unknown; status: number | null; responseCode: number; responseMessage: string };

const stock = (body: unknown, as: TestPartner = partner) => connectCall(t.server, as, { method: 'POST', url: '/connect/stock', body });

async function statusOf(body: unknown, as: TestPartner = partner): Promise<{ productStatus: Entry[]; responseCode: number; responseMessage: string }> {
  const res = await stock(body, as);
  expect(res.statusCode).toBe(200);
  return res.json();
}

/** A pool product holding `keys` free keys. */
async function poolProduct(keys: number, spec: Parameters<typeof givenProduct>[1] = {}): Promise<number> {
  const { ref } = await givenProduct(t.app.db, spec);
  if (keys > 0) await givenKeys(t.app, ref, keys);
  return ref;
}

describe('POST /connect/stock: root codes', () => {
  it('answers 100 with an empty productStatus when productRefs is missing', async () => {
    const body = await statusOf({});
    expect(body).toEqual({ productStatus: [], responseCode: 100, responseMessage: expect.any(String) });
  });

  it('answers 100 when productRefs is empty', async () => {
    const body = await statusOf({ productRefs: [] });
    expect(body).toEqual({ productStatus: [], responseCode: 100, responseMessage: expect.any(String) });
  });

  it('answers 100 when productRefs is not an array or is null', async () => {
    for (const productRefs of ['733551', 733551, null, { a: 1 }]) {
      const body = await statusOf({ productRefs });
      expect(body.responseCode).toBe(100);
      expect(body.productStatus).toEqual([]);
    }
  });

  it('answers 101 at the root for more than 100 refs', async () => {
    const ref = await poolProduct(20);
    const body = await statusOf({ productRefs: Array.from({ length: 101 }, () => ref) });
    expect(body).toEqual({ productStatus: [], responseCode: 101, responseMessage: expect.any(String) });
  });

  it('answers exactly 100 refs, each on its own', async () => {
    const ref = await poolProduct(20);
    const body = await statusOf({ productRefs: Array.from({ length: 100 }, () => ref) });
    expect(body.responseCode).toBe(0);
    expect(body.responseMessage).toBe('OK');
    expect(body.productStatus).toHaveLength(100);
    expect(new Set(body.productStatus.map((e) => e.status))).toEqual(new Set([100]));
  });

  it('answers 1002 with an empty productStatus when the body is not a JSON object', async () => {
    const res = await stock([733551]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ productStatus: [], responseCode: 1002, responseMessage: expect.any(String) });
  });
});

describe('POST /connect/stock: status per product', () => {
  it('answers 100 with responseCode 0 for a pool above its threshold', async () => {
    const ref = await poolProduct(11);
    const body = await statusOf({ productRefs: [ref] });
    expect(body).toEqual({ productStatus: [{ productRef: ref, status: 100, responseCode: 0, responseMessage: 'OK' }], responseCode: 0, responseMessage: 'OK' });
  });

  it('answers 200 from the threshold down to one unit, and 300 at zero', async () => {
    const atThreshold = await poolProduct(10);
    const oneUnit = await poolProduct(1);
    const empty = await poolProduct(0);
    const body = await statusOf({ productRefs: [atThreshold, oneUnit, empty] });
    expect(body.productStatus.map((e) => [e.status, e.responseCode])).toEqual([[200, 0], [200, 0], [300, 0]]);
  });

  it('uses the product’s own low-stock threshold', async () => {
    const above = await poolProduct(4, { lowStockThreshold: 3 });
    const at = await poolProduct(3, { lowStockThreshold: 3 });
    const body = await statusOf({ productRefs: [above, at] });
    expect(body.productStatus.map((e) => e.status)).toEqual([100, 200]);
  });

  it('counts units, not keys: 5 keys at 2 serials per unit make 2 units, 1 key makes none', async () => {
    const twoUnits = await poolProduct(5, { serialsPerUnit: 2, lowStockThreshold: 2 });
    const threeUnits = await poolProduct(6, { serialsPerUnit: 2, lowStockThreshold: 2 });
    const noUnit = await poolProduct(1, { serialsPerUnit: 2 });
    const body = await statusOf({ productRefs: [twoUnits, threeUnits, noUnit] });
    expect(body.productStatus.map((e) => e.status)).toEqual([200, 100, 300]);
  });

  it('does not count assigned keys', async () => {
    const ref = await poolProduct(12);
    expect((await statusOf({ productRefs: [ref] })).productStatus[0]!.status).toBe(100);
    await t.app.db.transaction().execute((tx) => t.app.stock.claimKeys(tx, ref, 2));
    expect((await statusOf({ productRefs: [ref] })).productStatus[0]!.status).toBe(200);
    await t.app.db.transaction().execute((tx) => t.app.stock.claimKeys(tx, ref, 10));
    expect((await statusOf({ productRefs: [ref] })).productStatus[0]!.status).toBe(300);
  });

  it('answers 100 whatever the pool for generated serials, no serials, pre-order products and physical options', async () => {
    const refs = [
      (await givenProduct(t.app.db, { serialSource: 'generated' })).ref,
      (await givenProduct(t.app.db, { serialSource: 'none' })).ref,
      (await givenProduct(t.app.db, { status: 'pre_order', releaseDate: '2027-01-01' })).ref,
      (await givenProduct(t.app.db, { option: { kind: 'backup_dvd' } })).ref,
      (await givenProduct(t.app.db, { option: { kind: 'download_dvd' } })).ref,
    ];
    const body = await statusOf({ productRefs: refs });
    expect(body.productStatus).toEqual(refs.map((productRef) => ({ productRef, status: 100, responseCode: 0, responseMessage: 'OK' })));
  });

  it('answers 1010 with status null for an unknown ref', async () => {
    const body = await statusOf({ productRefs: [999_999] });
    expect(body.responseCode).toBe(0);
    expect(body.productStatus).toEqual([{ productRef: 999_999, status: null, responseCode: 1010, responseMessage: expect.any(String) }]);
  });

  it('answers 1010 for an end-of-life product, even with keys in its pool', async () => {
    const ref = await poolProduct(20, { status: 'end_of_life' });
    const body = await statusOf({ productRefs: [ref] });
    expect(body.productStatus).toEqual([{ productRef: ref, status: null, responseCode: 1010, responseMessage: expect.any(String) }]);
  });

  it('answers a product outside the POS product list exactly like an unknown one', async () => {
    const listed = await poolProduct(20);
    const unlisted = await poolProduct(20);
    const narrow = await t.given.partner({ pos: { refs: [listed] } });
    const body = await statusOf({ productRefs: [listed, unlisted, 999_998] }, narrow);
    const [sold, outside, unknown] = body.productStatus;
    expect(sold).toMatchObject({ productRef: listed, status: 100, responseCode: 0 });
    const { productRef: outsideRef, ...outsideRest } = outside!;
    const { productRef: unknownRef, ...unknownRest } = unknown!;
    expect(outsideRef).toBe(unlisted);
    expect(unknownRef).toBe(999_998);
    expect(outsideRest).toEqual(unknownRest);
    expect(outsideRest).toMatchObject({ status: null, responseCode: 1010 });
  });

  it('answers a product not priced in the POS currency like an unknown one', async () => {
    const ref = await poolProduct(20, { prices: [{ currency: 'USD', retailer: 3000, public: 4999, sale: 4499 }] });
    const body = await statusOf({ productRefs: [ref] });
    expect(body.productStatus[0]).toMatchObject({ productRef: ref, status: null, responseCode: 1010 });
  });

  it('answers 101 for each invalid ref, echoing what was sent (a list or an object as null), and still answers the others', async () => {
    const ref = await poolProduct(20);
    const invalid = [0, -5, 2 ** 31, 1.5, 'abc', '12a', '', null, true, { ref: 1 }, [ref]];
    const body = await statusOf({ productRefs: [...invalid, ref] });
    expect(body.responseCode).toBe(0);
    expect(body.productStatus).toEqual([
      ...invalid.map((sent) => ({ productRef: typeof sent === 'object' ? null : sent, status: null, responseCode: 101, responseMessage: expect.any(String) })),
      { productRef: ref, status: 100, responseCode: 0, responseMessage: 'OK' },
    ]);
  });

  it('accepts the largest ref below 2^31 as valid (unknown here)', async () => {
    const body = await statusOf({ productRefs: [2 ** 31 - 1] });
    expect(body.productStatus[0]).toMatchObject({ productRef: 2 ** 31 - 1, responseCode: 1010 });
  });

  it('accepts numeric strings and answers them as numbers', async () => {
    const ref = await poolProduct(20);
    const body = await statusOf({ productRefs: [String(ref)] });
    expect(body.productStatus).toEqual([{ productRef: ref, status: 100, responseCode: 0, responseMessage: 'OK' }]);
  });

  it('answers duplicates each time and keeps the request order', async () => {
    const plenty = await poolProduct(20);
    const empty = await poolProduct(0);
    const body = await statusOf({ productRefs: [empty, plenty, 999_997, empty, 'x', plenty] });
    expect(body.productStatus.map((e) => [e.productRef, e.status, e.responseCode])).toEqual([
      [empty, 300, 0], [plenty, 100, 0], [999_997, null, 1010], [empty, 300, 0], ['x', null, 101], [plenty, 100, 0],
    ]);
  });

  it('ignores unknown fields of the body', async () => {
    const ref = await poolProduct(20);
    const body = await statusOf({ productRefs: [ref], language: 'en' });
    expect(body.productStatus[0]).toMatchObject({ productRef: ref, status: 100, responseCode: 0 });
  });
});

describe('POST /connect/stock: documentation', () => {
  it('is described in the OpenAPI document as getStockStatus', async () => {
    const res = await t.server.inject({ method: 'GET', url: '/connect/openapi.json' });
    const operation = res.json().paths['/connect/stock'].post;
    expect(operation.operationId).toBe('getStockStatus');
    expect(operation.requestBody).toBeDefined();
  });
});
