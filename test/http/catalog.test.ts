import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCall, startTestApp, type TestApp, type TestPartner } from '../support/test-app.js';

let t: TestApp;
let partner: TestPartner;

beforeAll(async () => {
  t = await startTestApp();
  // A POS limited to one publisher: the category and OS lists are still the whole catalog's.
  partner = await t.given.partner({ pos: { languages: ['fr'], publishers: [99] } });
  const checked = await t.app.catalog.checkCatalogFile({
    masterLanguage: 'en',
    categories: [
      { id: 7466, labels: { en: 'Anti-Virus & Security', fr: 'Antivirus et sécurité' }, subcategories: [{ id: 7467, labels: { en: 'Antivirus', fr: 'Antivirus (fr)' } }, { id: 7468, labels: { en: 'Firewall' } }] },
      { id: 7500, labels: { en: 'Games', fr: 'Jeux' } },
    ],
    operatingSystems: [{ id: 64, label: 'macOS 14' }, { id: 63, label: 'Win 10 32/64 bits' }],
  }, t.dataDir);
  await t.app.db.transaction().execute((tx) => t.app.catalog.importCatalogFile(tx, checked, 'test'));
});
afterAll(() => t.close());

const categories = (language: string) => connectCall(t.server, partner, { method: 'GET', url: `/connect/catalog/categories/${language}` });

const IN_ENGLISH = [
  { id: 7466, label: 'Anti-Virus & Security', subcategories: [{ id: 7467, label: 'Antivirus' }, { id: 7468, label: 'Firewall' }] },
  { id: 7500, label: 'Games', subcategories: [] },
];

describe('GET /connect/catalog/categories/{language}', () => {
  it('answers the whole category tree with English labels for en', async () => {
    const res = await categories('en');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ categoryList: IN_ENGLISH, responseCode: 0, responseMessage: 'OK' });
  });

  it('answers French labels for fr and FR alike, falling back to the master language for a missing label', async () => {
    const expected = {
      categoryList: [
        { id: 7466, label: 'Antivirus et sécurité', subcategories: [{ id: 7467, label: 'Antivirus (fr)' }, { id: 7468, label: 'Firewall' }] },
        { id: 7500, label: 'Jeux', subcategories: [] },
      ],
      responseCode: 0,
      responseMessage: 'OK',
    };
    expect((await categories('fr')).json()).toEqual(expected);
    expect((await categories('FR')).json()).toEqual(expected);
  });

  it('answers master-language labels for an unknown language and for one that is not two letters', async () => {
    for (const language of ['de', 'zz', 'fra', '1', 'f']) {
      const res = await categories(language);
      expect(res.statusCode, language).toBe(200);
      expect(res.json(), language).toEqual({ categoryList: IN_ENGLISH, responseCode: 0, responseMessage: 'OK' });
    }
  });

  it('is documented in the OpenAPI document as getCategories', async () => {
    const doc = (await t.server.inject({ method: 'GET', url: '/connect/openapi.json' })).json() as { paths: Record<string, Record<string, { operationId: string }>> };
    expect(doc.paths['/connect/catalog/categories/{language}']!.get!.operationId).toBe('getCategories');
    expect(doc.paths['/connect/catalog/oslist']!.get!.operationId).toBe('getOsList');
  });

  it('needs credentials like every Connect call', async () => {
    const res = await t.server.inject({ method: 'GET', url: '/connect/catalog/categories/en' });
    expect(res.statusCode).toBe(401);
  });
});

describe('GET /connect/catalog/oslist', () => {
  it('answers every operating system of the catalog with responseCode 0', async () => {
    const res = await connectCall(t.server, partner, { method: 'GET', url: '/connect/catalog/oslist' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ osList: [{ id: 63, label: 'Win 10 32/64 bits' }, { id: 64, label: 'macOS 14' }], responseCode: 0, responseMessage: 'OK' });
  });
});
