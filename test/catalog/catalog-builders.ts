import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A catalog file that uses every key of feeds.md "The catalog file", with two local files to copy. */
export function fullCatalog(): Record<string, unknown> & { products: Record<string, unknown>[] } {
  return {
    masterLanguage: 'fr',
    publishers: [
      { id: 12, name: 'Cobalt Works', mustProposeDvd: true },
      { id: 13, name: 'Fennel Games' },
    ],
    categories: [
      { id: 7466, labels: { en: 'Security', fr: 'Sécurité' }, subcategories: [{ id: 7467, labels: { en: 'Antivirus', fr: 'Antivirus' } }] },
      { id: 7500, labels: { en: 'Options' } },
    ],
    operatingSystems: [{ id: 63, label: 'Win 10 32/64 bits' }, { id: 64, label: 'macOS 14' }],
    products: [
      {
        ref: 811537, publisherId: 12, type: 1, status: 'on_sale', releaseDate: '2026-01-15',
        names: { en: 'Cobalt Office Home', fr: 'Cobalt Office Famille' },
        shortDescriptions: { en: 'Office suite', fr: 'Suite bureautique' },
        longDescriptions: { en: '<p>The <b>office</b> suite.</p>', fr: null },
        categoryIds: [7467, 7466], osIds: [64, 63], version: '2026', numberOfUsers: 3, licenseLifetime: 'P1Y',
        ean: '5026555057011', drm: 'Cobalt Pass (Cobalt)', keywords: 'office, suite',
        flags: { new: true, top: false, promo: true },
        images: { small: 'img/s.png', medium: 'img/m.png', big: 'img/b.png' },
        screenshots: ['img/1.png', 'img/2.png'],
        systemRequirements: { memoryMb: 4096, diskMb: 4000 },
        prices: [
          { currency: 'USD', retailer: 31.5, public: 54.99, sale: 49.99, renewal: 44.99 },
          { currency: 'EUR', retailer: 30.0, public: 49.99, sale: 44.99, renewal: 39.99 },
          { currency: 'JPY', retailer: 4000, public: 7000, sale: 6500 },
        ],
        delivery: {
          serialsPerUnit: 2, serialSource: 'pool', serialPattern: null, lowStockThreshold: 25,
          remark: 'Activate with {email} and order {orderNumber}.', digitalLockerLink: 'https://locker.example.com/cobalt',
          downloadManager: true, newSerialEachTerm: true,
        },
        files: [
          { label: 'Installer', type: 'install', group: 'win', path: 'files/setup.exe' },
          { label: 'Manual', type: 'doc', group: '', url: 'https://cdn.example.com/manual.pdf', size: 1960000, sha256: 'a'.repeat(64) },
        ],
        subscription: { period: 'P1Y' },
        option: null,
        optionRefs: [900001, 900002, 900003], crossSellRefs: [811600], upSellRefs: [811600],
      },
      {
        ref: 811600, publisherId: 13, type: 4, status: 'pre_order', releaseDate: '2027-02-01',
        names: { en: 'Fennel Quest' },
        delivery: { serialSource: 'generated', serialPattern: 'FQ-XXXX-XXXX' },
      },
      {
        ref: 900001, publisherId: 12, names: { en: 'Download extension (1 year)' }, categoryIds: [7500],
        prices: [{ currency: 'EUR', retailer: 3.0, public: 4.99, sale: 4.99 }],
        delivery: { serialsPerUnit: 0, serialSource: 'none' },
        option: { kind: 'download_extension', duration: 'P1Y' },
      },
      {
        ref: 900002, publisherId: 12, names: { en: 'Backup DVD' },
        prices: [{ currency: 'EUR', retailer: 5, public: 9.99, sale: 9.99 }],
        option: { kind: 'backup_dvd' },
      },
      {
        ref: 900003, publisherId: 12, type: 3, status: 'end_of_life', names: { en: 'Download DVD' },
        files: [{ label: 'ISO', path: 'files/setup.exe' }],
        option: { kind: 'download_dvd', duration: null },
      },
    ],
  };
}

export const SETUP_CONTENT = 'MZ demo installer\n'.repeat(300);

/** A folder holding `catalog.json` and its local files; returns the folder and the JSON file. */
export function writeCatalogDir(catalog: unknown, files: Record<string, string> = { 'files/setup.exe': SETUP_CONTENT }): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resell-catalog-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  const file = path.join(dir, 'catalog.json');
  fs.writeFileSync(file, JSON.stringify(catalog, null, 2));
  return { dir, file };
}

/** Reads a fixture of test/catalog/fixtures. */
export function fixturePath(name: string): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', name);
}
