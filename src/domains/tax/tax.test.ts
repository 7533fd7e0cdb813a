import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { amountsAgree, isInVatTable, isVatRateAccepted, provinceCode, standardVatRate, vatFlags, type VatLine } from './tax.js';
import { COUNTRY_RATES, PROVINCE_RATES, VAT_TABLE_STARTS_ON } from './vat-rates.js';

const EU = ['AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'MT', 'NL', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK'];

describe('the rate table', () => {
  it('holds every EU member state and the other countries the rules name', () => {
    expect(EU).toHaveLength(27);
    for (const country of [...EU, 'GB', 'NO', 'CH', 'IS', 'LI', 'AU', 'NZ', 'JP', 'SG', 'KR']) {
      expect(COUNTRY_RATES[country], country).toBeDefined();
    }
  });

  it('holds every Canadian province and territory, and no national rate for Canada', () => {
    expect(Object.keys(PROVINCE_RATES.CA ?? {}).sort()).toEqual(['AB', 'BC', 'MB', 'NB', 'NL', 'NS', 'NT', 'NU', 'ON', 'PE', 'QC', 'SK', 'YT']);
    expect(COUNTRY_RATES.CA).toBeUndefined();
  });

  it('starts every history on the first covered day, in date order, with rates in 0..100', () => {
    const histories = [...Object.entries(COUNTRY_RATES), ...Object.entries(PROVINCE_RATES.CA ?? {}).map(([p, h]) => [`CA-${p}`, h] as const)];
    for (const [where, history] of histories) {
      expect(history[0]?.from, where).toBe(VAT_TABLE_STARTS_ON);
      for (let i = 1; i < history.length; i++) expect(history[i]!.from > history[i - 1]!.from, where).toBe(true);
      for (const { from, rate } of history) {
        expect(from, where).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(rate > 0 && rate <= 100, where).toBe(true);
      }
    }
  });
});

describe('standard VAT rate on a day', () => {
  it.each([
    ['EE', '2023-12-31', 20],
    ['EE', '2024-01-01', 22],
    ['EE', '2025-06-30', 22],
    ['EE', '2025-07-01', 24],
    ['FI', '2024-08-31', 24],
    ['FI', '2024-09-01', 25.5],
    ['SK', '2024-12-31', 20],
    ['SK', '2025-01-01', 23],
    ['RO', '2025-07-31', 19],
    ['RO', '2025-08-01', 21],
    ['CH', '2023-12-31', 7.7],
    ['CH', '2024-01-01', 8.1],
    ['LI', '2024-01-01', 8.1],
    ['DE', '2020-06-30', 19],
    ['DE', '2020-12-31', 16],
    ['DE', '2021-01-01', 19],
    ['IE', '2021-02-28', 21],
    ['IE', '2021-03-01', 23],
    ['LU', '2023-06-15', 16],
    ['LU', '2024-01-01', 17],
    ['SG', '2023-12-31', 8],
    ['SG', '2024-01-01', 9],
  ])('%s on %s is %s', (country, onDate, rate) => {
    expect(standardVatRate(country, null, onDate)).toBe(rate);
  });

  it('answers today\'s rates for a few stable countries', () => {
    const today = '2026-11-25';
    expect(standardVatRate('FR', null, today)).toBe(20);
    expect(standardVatRate('HU', null, today)).toBe(27);
    expect(standardVatRate('GB', null, today)).toBe(20);
    expect(standardVatRate('JP', null, today)).toBe(10);
    expect(standardVatRate('NZ', null, today)).toBe(15);
  });

  it('reads the country code in any case and ignores a province where the rate is national', () => {
    expect(standardVatRate('fr', null, '2026-01-01')).toBe(20);
    expect(standardVatRate('AU', 'AU-NSW', '2026-01-01')).toBe(10);
    expect(standardVatRate('FR', 'FR-IDF', '2026-01-01')).toBe(20);
  });

  it('is undefined outside the table: unknown country, or a day before the table starts', () => {
    expect(standardVatRate('US', 'US-NY', '2026-01-01')).toBeUndefined();
    expect(standardVatRate('IN', null, '2026-01-01')).toBeUndefined();
    expect(standardVatRate('FR', null, '2019-12-31')).toBeUndefined();
    expect(isInVatTable('US')).toBe(false);
    expect(isInVatTable('ca')).toBe(true);
  });

  it('is undefined for regions whose rate is not the national one (Canary Islands, Azores)', () => {
    expect(standardVatRate('ES', 'ES-CN', '2026-01-01')).toBeUndefined();
    expect(standardVatRate('ES', 'TF', '2026-01-01')).toBeUndefined();
    expect(standardVatRate('PT', 'PT-20', '2026-01-01')).toBeUndefined();
    expect(standardVatRate('ES', 'ES-M', '2026-01-01')).toBe(21);
  });

  it('refuses a day that is not YYYY-MM-DD', () => {
    expect(() => standardVatRate('FR', null, '2026-11-25T10:00:00Z')).toThrow(RangeError);
    expect(() => standardVatRate('FR', null, '25/11/2026')).toThrow(RangeError);
  });
});

describe('Canada, per province', () => {
  it('uses the combined HST where the province has harmonized, GST alone elsewhere', () => {
    const day = '2026-11-25';
    expect(standardVatRate('CA', 'ON', day)).toBe(13);
    expect(standardVatRate('CA', 'NB', day)).toBe(15);
    expect(standardVatRate('CA', 'NL', day)).toBe(15);
    expect(standardVatRate('CA', 'PE', day)).toBe(15);
    expect(standardVatRate('CA', 'NS', day)).toBe(14);
    for (const gstOnly of ['AB', 'BC', 'MB', 'QC', 'SK', 'NT', 'NU', 'YT']) expect(standardVatRate('CA', gstOnly, day), gstOnly).toBe(5);
  });

  it('lowers Nova Scotia from 15 to 14 on 2025-04-01', () => {
    expect(standardVatRate('CA', 'NS', '2025-03-31')).toBe(15);
    expect(standardVatRate('CA', 'NS', '2025-04-01')).toBe(14);
  });

  it('accepts the province as CA-ON or ON, in any case and with spaces around', () => {
    for (const form of ['CA-ON', 'ON', 'ca-on', 'on', ' CA-ON ']) expect(standardVatRate('CA', form, '2026-01-01'), form).toBe(13);
  });

  it('is outside the table without a province, or with one that is not Canadian', () => {
    expect(standardVatRate('CA', null, '2026-01-01')).toBeUndefined();
    expect(standardVatRate('CA', 'US-NY', '2026-01-01')).toBeUndefined();
    expect(standardVatRate('CA', 'XX', '2026-01-01')).toBeUndefined();
    expect(standardVatRate('CA', 'CA-', '2026-01-01')).toBeUndefined();
  });

  it('splits province codes the way the API accepts them', () => {
    expect(provinceCode('CA', 'CA-ON')).toBe('ON');
    expect(provinceCode('ca', 'on')).toBe('ON');
    expect(provinceCode('CA', 'US-NY')).toBeUndefined();
    expect(provinceCode('CA', '  ')).toBeUndefined();
  });
});

describe('whether a sent VAT rate is accepted', () => {
  const day = '2026-11-25';

  it('accepts 20 and refuses 19.6 (France before 2014) for France', () => {
    expect(isVatRateAccepted(20, 'FR', null, day)).toBe(true);
    expect(isVatRateAccepted(19.6, 'FR', null, day)).toBe(false);
  });

  it('tolerates ±0.01 around the standard rate, and no more', () => {
    expect(isVatRateAccepted(19.99, 'FR', null, day)).toBe(true);
    expect(isVatRateAccepted(20.01, 'FR', null, day)).toBe(true);
    expect(isVatRateAccepted(19.98, 'FR', null, day)).toBe(false);
    expect(isVatRateAccepted(20.02, 'FR', null, day)).toBe(false);
    expect(isVatRateAccepted(25.5, 'FI', null, day)).toBe(true);
    expect(isVatRateAccepted(25.49, 'FI', null, day)).toBe(true);
  });

  it('uses the rate of the day the order is received, not a later or earlier one', () => {
    expect(isVatRateAccepted(22, 'EE', null, '2025-06-30')).toBe(true);
    expect(isVatRateAccepted(22, 'EE', null, '2025-07-01')).toBe(false);
    expect(isVatRateAccepted(24, 'EE', null, '2025-07-01')).toBe(true);
  });

  it('checks Canada against the province: 13 in Ontario, 5 in Alberta', () => {
    expect(isVatRateAccepted(13, 'CA', 'CA-ON', day)).toBe(true);
    expect(isVatRateAccepted(5, 'CA', 'ON', day)).toBe(false);
    expect(isVatRateAccepted(5, 'CA', 'AB', day)).toBe(true);
    expect(isVatRateAccepted(12, 'CA', 'BC', day)).toBe(false);
  });

  it('accepts any rate in 0..100 for a country outside the table', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 100, noNaN: true }), (rate) => {
        expect(isVatRateAccepted(rate, 'US', 'NY', day)).toBe(true);
        expect(isVatRateAccepted(rate, 'BR', 'BR-SP', day)).toBe(true);
      }),
    );
    expect(isVatRateAccepted(0, 'US', null, day)).toBe(true);
    expect(isVatRateAccepted(100, 'US', null, day)).toBe(true);
  });

  it('refuses a rate outside 0..100 or not a number, inside or outside the table', () => {
    for (const rate of [-0.01, 100.01, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(isVatRateAccepted(rate, 'US', null, day), String(rate)).toBe(false);
      expect(isVatRateAccepted(rate, 'FR', null, day), String(rate)).toBe(false);
    }
  });
});

describe('whether the amounts agree with the rate', () => {
  it('agrees on an exact total: 10.00 at 20% is 12.00', () => {
    expect(amountsAgree(1000, 1200, 20, 1)).toBe(true);
  });

  it('does not agree on Nexway\'s sample line (vatRate 20, amountDutyFree 0, amountTotal 1)', () => {
    expect(amountsAgree(0, 100, 20, 1)).toBe(false);
  });

  it('tolerates one minor unit per unit: 3 units of 8.33 at 20% (exactly 29.988) may total 29.96 to 30.01', () => {
    // Each unit rounded on its own (9.996 → 10.00) gives 30.00, off by 1.2 minor units: fine for 3 units.
    expect(amountsAgree(2499, 2999, 20, 3)).toBe(true);
    expect(amountsAgree(2499, 3000, 20, 3)).toBe(true);
    expect(amountsAgree(2499, 3001, 20, 3)).toBe(true);
    expect(amountsAgree(2499, 3002, 20, 3)).toBe(false);
    expect(amountsAgree(2499, 2996, 20, 3)).toBe(true);
    expect(amountsAgree(2499, 2995, 20, 3)).toBe(false);
    expect(amountsAgree(2499, 3001, 20, 1)).toBe(false);
  });

  it('is exact at the edge of the tolerance despite floating point (110 × 1.1 is 121.00000000000001 in doubles)', () => {
    expect(amountsAgree(110, 122, 10, 1)).toBe(true);
    expect(amountsAgree(110, 120, 10, 1)).toBe(true);
    expect(amountsAgree(110, 119, 10, 1)).toBe(false);
  });

  it('handles fractional rates and a zero rate', () => {
    expect(amountsAgree(10000, 12550, 25.5, 1)).toBe(true);
    expect(amountsAgree(999, 999, 0, 1)).toBe(true);
    expect(amountsAgree(0, 0, 20, 1)).toBe(true);
  });

  it('agrees with any total rounded per unit, for any price, rate and quantity', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 100 }), (unitMinor, rateHundredths, quantity) => {
        const rate = rateHundredths / 100;
        const unitTotal = Math.round((unitMinor * (100 + rate)) / 100);
        expect(amountsAgree(unitMinor * quantity, unitTotal * quantity, rate, quantity)).toBe(true);
      }),
    );
  });

  it('refuses arguments that are not minor units or a quantity', () => {
    expect(() => amountsAgree(10.5, 12, 20, 1)).toThrow(RangeError);
    expect(() => amountsAgree(-1, 0, 20, 1)).toThrow(RangeError);
    expect(() => amountsAgree(10, 12, 20, 0)).toThrow(RangeError);
    expect(() => amountsAgree(10, 12, Number.NaN, 1)).toThrow(RangeError);
  });
});

describe('VAT flags of a line (record policy)', () => {
  const france = { country: 'FR', province: null, onDate: '2026-11-25' };
  const line = (overrides: Partial<VatLine>): VatLine => ({ vatRate: 20, amountDutyFreeMinor: 1000, amountTotalMinor: 1200, quantity: 1, ...overrides });

  it('flags nothing on a line at the standard rate whose amounts agree', () => {
    expect(vatFlags(line({}), france)).toEqual([]);
  });

  it('flags Nexway\'s sample line for its amounts only: 20 is France\'s rate', () => {
    expect(vatFlags(line({ amountDutyFreeMinor: 0, amountTotalMinor: 100 }), france)).toEqual(['amounts_disagree']);
  });

  it('flags a rate that differs from the country\'s, before amounts that disagree', () => {
    expect(vatFlags(line({ vatRate: 19.6, amountTotalMinor: 1196 }), france)).toEqual(['rate_differs']);
    expect(vatFlags(line({ vatRate: 19.6, amountTotalMinor: 1500 }), france)).toEqual(['rate_differs', 'amounts_disagree']);
  });

  it('checks the amounts against the rate sent, not the standard one', () => {
    expect(vatFlags(line({ vatRate: 10, amountTotalMinor: 1100 }), { country: 'US', province: 'NY', onDate: '2026-11-25' })).toEqual([]);
    expect(vatFlags(line({ vatRate: 10, amountTotalMinor: 1200 }), { country: 'US', province: 'NY', onDate: '2026-11-25' })).toEqual(['amounts_disagree']);
  });

  it('flags nothing without a rate, and checks amounts only when both are sent', () => {
    expect(vatFlags(line({ vatRate: null, amountTotalMinor: 5000 }), france)).toEqual([]);
    expect(vatFlags(line({ amountDutyFreeMinor: null, amountTotalMinor: 5000 }), france)).toEqual([]);
    expect(vatFlags(line({ amountTotalMinor: null }), france)).toEqual([]);
  });

  it('flags a rate per Canadian province', () => {
    expect(vatFlags(line({ vatRate: 13, amountTotalMinor: 1130 }), { country: 'CA', province: 'CA-ON', onDate: '2026-11-25' })).toEqual([]);
    expect(vatFlags(line({ vatRate: 13, amountTotalMinor: 1130 }), { country: 'CA', province: 'QC', onDate: '2026-11-25' })).toEqual(['rate_differs']);
  });
});
