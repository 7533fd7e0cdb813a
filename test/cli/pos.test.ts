import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliHarness, givenProduct, uniqueName, type CliHarness } from './cli-harness.js';

let cli: CliHarness;
let nextRef = 733_551;

beforeAll(async () => {
  cli = await cliHarness();
});
afterAll(() => cli.close());

const newPartner = () => cli.json<{ partnerId: number; posId: number }>('partner', 'create', '--name', uniqueName(), '--json');
const getPos = (id: number) => cli.app.partners.getPointOfSale(cli.app.db, id);
const priceOf = async (posId: number, ref: number) =>
  (await cli.app.db.selectFrom('pos_prices').select('sale_minor').where('pos_id', '=', posId).where('product_ref', '=', ref).executeTakeFirst())?.sale_minor;

describe('resell pos create', () => {
  it('prints {"posId","secret"} with an integer id and stores every setting flag', async () => {
    const { partnerId } = await newPartner();
    const ref = await givenProduct(cli.app, nextRef++);
    const result = await cli.run('pos', 'create', '--partner', String(partnerId), '--name', 'Swiss shop', '--currency', 'CHF',
      '--country', 'CH,LI', '--languages', 'de,fr', '--description-language', 'fr', '--publishers', '1,2', '--categories', '3,4',
      '--refs', `5,${ref}`, '--price', `${ref}=19.9`, '--cancel-window-days', '14', '--vat-policy', 'strict', '--rate-limit', '20',
      '--suspend', '--json');
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['posId', 'secret']);
    expect(Number.isInteger(body.posId)).toBe(true);
    expect(body.secret).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(await getPos(body.posId as number)).toEqual({
      id: body.posId, partnerId, name: 'Swiss shop', currency: 'CHF', countries: ['CH', 'LI'], languages: ['de', 'fr'],
      descriptionLanguage: 'fr', productList: { publishers: [1, 2], categories: [3, 4], refs: [5, ref] }, ipAllowList: [],
      cancelWindowDays: 14, vatPolicy: 'strict', rateLimit: 20, suspended: true,
    });
    expect(await priceOf(body.posId as number, ref)).toBe(1990);
  });

  it('gives a POS created without settings the defaults and prints its secret for a person', async () => {
    const { partnerId } = await newPartner();
    const result = await cli.run('pos', 'create', '--partner', String(partnerId));
    expect(result.code).toBe(0);
    const id = Number(/^POS\s+(\d+)/m.exec(result.stdout)?.[1]);
    expect(result.stdout).toMatch(/^POS secret\s+[A-Za-z0-9]{32}$/m);
    expect(await getPos(id)).toMatchObject({ partnerId, currency: 'EUR', countries: ['FR'], languages: ['fr'], cancelWindowDays: 30, vatPolicy: 'record', rateLimit: null, suspended: false });
  });

  it('refuses an unknown partner with exit 1 and a one-line reason', async () => {
    const result = await cli.run('pos', 'create', '--partner', '999999', '--json');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('creates nothing when a price is refused: the POS and its prices are one transaction', async () => {
    const { partnerId } = await newPartner();
    const posCount = async () => (await cli.app.db.selectFrom('points_of_sale').select('id').where('partner_id', '=', partnerId).execute()).length;
    const result = await cli.run('pos', 'create', '--partner', String(partnerId), '--price', '999999=10', '--json');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('999999');
    expect(await posCount()).toBe(1);
  });
});

describe('resell pos update', () => {
  it('stores every setting flag and keeps the settings not given', async () => {
    const { posId, partnerId } = await newPartner();
    const result = await cli.run('pos', 'update', '--pos', String(posId), '--name', 'Renamed', '--currency', 'GBP', '--country', 'GB,IE',
      '--languages', 'en,ga', '--description-language', 'en', '--publishers', '7', '--categories', '8,9', '--refs', '10',
      '--cancel-window-days', '0', '--vat-policy', 'strict', '--rate-limit', '5', '--suspend');
    expect(result.code).toBe(0);
    expect(await getPos(posId)).toEqual({
      id: posId, partnerId, name: 'Renamed', currency: 'GBP', countries: ['GB', 'IE'], languages: ['en', 'ga'], descriptionLanguage: 'en',
      productList: { publishers: [7], categories: [8, 9], refs: [10] }, ipAllowList: [], cancelWindowDays: 0, vatPolicy: 'strict',
      rateLimit: 5, suspended: true,
    });

    expect((await cli.run('pos', 'update', '--pos', String(posId), '--resume', '--rate-limit', 'off', '--refs', '')).code).toBe(0);
    expect(await getPos(posId)).toMatchObject({ name: 'Renamed', currency: 'GBP', rateLimit: null, suspended: false, productList: { publishers: [7], categories: [8, 9], refs: [] } });

    expect((await cli.run('pos', 'update', '--pos', String(posId), '--rate-limit', '0', '--vat-policy', 'record')).code).toBe(0);
    expect(await getPos(posId)).toMatchObject({ rateLimit: null, vatPolicy: 'record' });
  });

  it('converts --price amounts to minor units of the POS currency, repeatable, and removes one with =off', async () => {
    const { posId } = await newPartner();
    const [a, b] = [await givenProduct(cli.app, nextRef++), await givenProduct(cli.app, nextRef++)];
    expect((await cli.run('pos', 'update', '--pos', String(posId), '--price', `${a}=44.99`, '--price', `${b}=5`)).code).toBe(0);
    expect([await priceOf(posId, a), await priceOf(posId, b)]).toEqual([4499, 500]);

    expect((await cli.run('pos', 'update', '--pos', String(posId), '--currency', 'JPY', '--price', `${a}=1200`, '--price', `${b}=off`)).code).toBe(0);
    expect([await priceOf(posId, a), await priceOf(posId, b)]).toEqual([1200, undefined]);
  });

  it('refuses an amount with more decimals than the currency and changes nothing', async () => {
    const { posId } = await newPartner();
    const ref = await givenProduct(cli.app, nextRef++);
    const result = await cli.run('pos', 'update', '--pos', String(posId), '--name', 'Not stored', '--price', `${ref}=1.999`);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect((await getPos(posId)).name).not.toBe('Not stored');
    expect(await priceOf(posId, ref)).toBeUndefined();
  });

  it.each([
    [['--country', 'France'], 'a country that is not ISO 3166-1'],
    [['--languages', 'french'], 'a language that is not a two-letter code'],
    [['--vat-policy', 'lenient'], 'an unknown VAT policy'],
    [['--rate-limit', 'fast'], 'a rate limit that is not a number'],
    [['--cancel-window-days', '-1'], 'a negative cancel window'],
    [['--publishers', '1,x'], 'a publisher id that is not a number'],
    [['--suspend', '--resume'], '--suspend together with --resume'],
    [[], 'no setting at all'],
  ])('refuses %j (%s) with exit 1, one line on stderr and nothing changed', async (flags, _why) => {
    const { posId } = await newPartner();
    const before = await getPos(posId);
    const result = await cli.run('pos', 'update', '--pos', String(posId), ...flags);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(await getPos(posId)).toEqual(before);
  });

  it('refuses an unknown POS with exit 1', async () => {
    const result = await cli.run('pos', 'update', '--pos', '999999', '--name', 'x');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('999999');
  });
});
