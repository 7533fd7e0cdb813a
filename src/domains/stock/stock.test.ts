import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Product } from '../catalog/index.js';
import { keyFileFormatOf } from './key-file.js';
import { normaliseKey, productStockStatus, reachesLowStock, statusCountCap, stockStatusOf, unitsOf } from './stock.js';

function product(overrides: { serialSource?: Product['delivery']['serialSource']; serialsPerUnit?: number; status?: Product['status']; option?: Product['option']; lowStockThreshold?: number } = {}): Product {
  return {
    ref: 1, publisherId: 1, type: 1, status: overrides.status ?? 'on_sale', releaseDate: null, texts: {}, categoryIds: [], osIds: [],
    version: null, numberOfUsers: null, licenseLifetime: null, ean: null, drm: null, keywords: null,
    flags: { new: false, top: false, promo: false }, images: { small: null, medium: null, big: null }, screenshots: [],
    systemRequirements: { memoryMb: null, diskMb: null }, prices: [],
    delivery: {
      serialsPerUnit: overrides.serialsPerUnit ?? 1, serialSource: overrides.serialSource ?? 'pool', serialPattern: null,
      lowStockThreshold: overrides.lowStockThreshold ?? 10, remark: null, digitalLockerLink: null, downloadManager: false, newSerialEachTerm: false,
    },
    files: [], subscription: null, option: overrides.option ?? null, optionRefs: [], crossSellRefs: [], upSellRefs: [],
    createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

describe('available units of a key pool', () => {
  it('is floor(free keys / serials per unit): 5 keys at 2 per unit make 2 units', () => {
    expect(unitsOf({ freeKeys: 5, serialsPerUnit: 2 })).toBe(2);
  });

  it('counts one unit per key at one serial per unit', () => {
    expect(unitsOf({ freeKeys: 7, serialsPerUnit: 1 })).toBe(7);
  });

  it('is 0 when the pool holds fewer keys than one unit needs', () => {
    expect(unitsOf({ freeKeys: 2, serialsPerUnit: 3 })).toBe(0);
    expect(unitsOf({ freeKeys: 0, serialsPerUnit: 1 })).toBe(0);
  });

  it('is unlimited for a product that takes no serial per unit', () => {
    expect(unitsOf({ freeKeys: 0, serialsPerUnit: 0 })).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('stock status thresholds', () => {
  it('is 300 at 0 units', () => {
    expect(stockStatusOf(0, 10)).toBe(300);
  });

  it('is 200 from 1 unit up to and including the threshold', () => {
    expect(stockStatusOf(1, 10)).toBe(200);
    expect(stockStatusOf(10, 10)).toBe(200);
  });

  it('is 100 above the threshold', () => {
    expect(stockStatusOf(11, 10)).toBe(100);
  });

  it('goes from 300 straight to 100 with a threshold of 0', () => {
    expect(stockStatusOf(0, 0)).toBe(300);
    expect(stockStatusOf(1, 0)).toBe(100);
  });
});

describe('stock status of a product', () => {
  it('follows the pool and the product’s own threshold for a pool product', () => {
    expect(productStockStatus(product({ lowStockThreshold: 2 }), 2)).toBe(200);
    expect(productStockStatus(product({ lowStockThreshold: 2 }), 3)).toBe(100);
    expect(productStockStatus(product(), 0)).toBe(300);
  });

  it('is always 100 for generated serials, no serials, pre-order products and physical options', () => {
    expect(productStockStatus(product({ serialSource: 'generated' }), 0)).toBe(100);
    expect(productStockStatus(product({ serialSource: 'none', serialsPerUnit: 0 }), 0)).toBe(100);
    expect(productStockStatus(product({ status: 'pre_order' }), 0)).toBe(100);
    expect(productStockStatus(product({ option: { kind: 'backup_dvd', duration: null } }), 0)).toBe(100);
    expect(productStockStatus(product({ option: { kind: 'download_dvd', duration: null } }), 0)).toBe(100);
  });

  it('limits a download extension option sold from a pool like any pool product', () => {
    expect(productStockStatus(product({ option: { kind: 'download_extension', duration: 'P1Y' } }), 0)).toBe(300);
  });
});

describe('counting free keys only up to the status cap', () => {
  it('is one unit past the threshold: 11 keys at threshold 10, 22 at 2 serials per unit', () => {
    expect(statusCountCap({ lowStockThreshold: 10, serialsPerUnit: 1 })).toBe(11);
    expect(statusCountCap({ lowStockThreshold: 10, serialsPerUnit: 2 })).toBe(22);
  });

  it('never changes the status a full count gives', () => {
    fc.assert(fc.property(fc.nat(100_000), fc.integer({ min: 1, max: 10 }), fc.nat(1_000), (freeKeys, serialsPerUnit, lowStockThreshold) => {
      const cap = statusCountCap({ lowStockThreshold, serialsPerUnit });
      const full = stockStatusOf(unitsOf({ freeKeys, serialsPerUnit }), lowStockThreshold);
      const capped = stockStatusOf(unitsOf({ freeKeys: Math.min(freeKeys, cap), serialsPerUnit }), lowStockThreshold);
      expect(capped).toBe(full);
    }));
  });
});

describe('the stock.low transition', () => {
  it('happens when units go from above the threshold to at or below it', () => {
    expect(reachesLowStock(11, 10, 10)).toBe(true);
    expect(reachesLowStock(12, 0, 10)).toBe(true);
  });

  it('does not happen again while units stay at or below the threshold, nor while they stay above', () => {
    expect(reachesLowStock(10, 9, 10)).toBe(false);
    expect(reachesLowStock(20, 11, 10)).toBe(false);
    expect(reachesLowStock(5, 20, 10)).toBe(false);
  });
});

describe('key entries', () => {
  it('are trimmed, CR included, and blank ones are undefined', () => {
    expect(normaliseKey('  AAAA-BBBB \r')).toBe('AAAA-BBBB');
    expect(normaliseKey('\uFEFFAAAA')).toBe('AAAA');
    expect(normaliseKey('   ')).toBeUndefined();
    expect(normaliseKey('')).toBeUndefined();
    expect(normaliseKey(undefined)).toBeUndefined();
  });

  it('come from a CSV file only when its name ends in .csv, in any case', () => {
    expect(keyFileFormatOf('keys.csv')).toBe('csv');
    expect(keyFileFormatOf('/x/KEYS.CSV')).toBe('csv');
    expect(keyFileFormatOf('keys.txt')).toBe('lines');
    expect(keyFileFormatOf('keys')).toBe('lines');
    expect(keyFileFormatOf('keys.csv.txt')).toBe('lines');
  });
});
