import { afterAll, beforeAll, expect, it } from 'vitest';
import { onPostgres } from '../support/database.js';
import { createOrder, newPartnerOrderNumber, orderBody } from '../support/orders.js';
import { givenKeys, givenProduct } from '../support/products.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Orders placed together share durable commits on SQLite (group commit, issue 6), and /metrics shows
// how many: units of work and commits.

let t: TestApp;

// On SQLite a file, as the product runs (startTestApp): requests authenticate on its read connection meanwhile.
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);

it('commits concurrent orders in fewer commits than orders on SQLite, one each on PostgreSQL, every one stored', async () => {
  const partner = await t.given.partner();
  const product = await givenProduct(t.app.db);
  await givenKeys(t.app, product.ref, 40);
  const before = (await t.server.inject({ method: 'GET', url: '/metrics' })).body;
  const numbers = Array.from({ length: 40 }, () => newPartnerOrderNumber('GC'));
  const answers = await Promise.all(numbers.map((pon) => createOrder(t.server, partner, orderBody([product.ref], { partnerOrderNumber: pon }))));
  expect(answers.map((a) => [a.statusCode, a.json().responseCode])).toEqual(numbers.map(() => [201, 0]));
  const after = (await t.server.inject({ method: 'GET', url: '/metrics' })).body;
  const units = metric(after, 'resell_units_of_work_total') - (metric(before, 'resell_units_of_work_total') || 0);
  const commits = metric(after, 'resell_commits_total') - (metric(before, 'resell_commits_total') || 0);
  expect(units).toBe(40);
  if (onPostgres) expect(commits).toBe(40);
  else expect(commits).toBeLessThan(40);
  const stored = await t.app.db.selectFrom('orders').select('partner_order_number').where('partner_order_number', 'in', numbers).execute();
  expect(stored).toHaveLength(40);
});
