import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PlaceOrderInput } from '../../src/domains/orders/index.js';
import { readOrderRequest } from '../../src/http/connect/order-request.js';
import { OPERATION_ERRORS, Refusal } from '../../src/shared/errors.js';
import { withField } from '../support/orders.js';

// Pure unit tests of the createOrder format check (connect-api.md §2, §6, §10): no database, no HTTP.

type Body = Record<string, unknown>;
type Path = (string | number)[];

type Options = Parameters<typeof readOrderRequest>[1];

const NO_DISC: Options = { needsDelivery: () => false };
const ALL_DISCS: Options = { needsDelivery: () => true };

function location(overrides: Body = {}): Body {
  return {
    title: 1,
    lastName: 'Doe',
    firstName: 'Jane',
    companyName: 'Doe Ltd',
    address1: '1 rue de la Paix',
    address2: 'Bâtiment B',
    zipCode: '75002',
    city: 'Paris',
    country: 'FR',
    province: '',
    phone: '+33 1 23 45 67 89',
    fax: '',
    ...overrides,
  };
}

function discount(overrides: Body = {}): Body {
  return { foreignRef: 'PROMO-1', label: 'Spring sale', priceDelta: -2, operation: 'PERCENT', operationValue: 10, ...overrides };
}

/** A valid order of two lines, with a payment and an IP, every optional part given. */
function validBody(): Body {
  return {
    partnerOrderNumber: 'PARTNER689',
    orderDate: '2026-01-31T10:00:00+02:00',
    currency: 'EUR',
    marketingProgramId: 'MP-1',
    affiliateId: 42,
    orderLines: [
      { productRef: 724648, quantity: 1, vatRate: 20, amountDutyFree: 10, amountTotal: 12, endUserEmail: 'gift@example.com', discounts: [discount()] },
      { productRef: 811537, quantity: 2 },
    ],
    customer: {
      email: 'jane.doe@example.com',
      language: 'fr_FR',
      partnerId: 'CUST-42',
      ipV4: '203.0.113.7',
      ipV6: '2001:db8::7',
      locationInvoice: location(),
      locationDelivery: location({ address1: '2 avenue Foch' }),
    },
    payment: { paymentMethod: 'External Payment', transactionId: 'TX-0001' },
    discounts: [discount({ foreignRef: 'ORDER-PROMO', operation: 'amount', operationValue: 5 })],
    metadata: [{ key: 'campaign', value: 'spring' }],
  };
}


function withFields(body: Body, changes: [Path, unknown][]): Body {
  return changes.reduce((current, [path, value]) => withField(current, path, value), body);
}

/** The code readOrderRequest refuses `body` with, or 'accepted'. Any other error fails the test. */
function codeOf(body: Body, options: Options = NO_DISC): number | 'accepted' {
  try {
    readOrderRequest(body, options);
    return 'accepted';
  } catch (error) {
    if (error instanceof Refusal) return error.code;
    throw error;
  }
}

const LINE = ['orderLines', 0];
const CUSTOMER = ['customer'];
const INVOICE = ['customer', 'locationInvoice'];
const DELIVERY = ['customer', 'locationDelivery'];
const LINE_DISCOUNT = [...LINE, 'discounts', 0];
const ORDER_DISCOUNT = ['discounts', 0];

/** One row per code: a field change that must be refused with exactly that code. */
const CASES: [code: number, path: Path, value: unknown][] = [
  [130, ['partnerOrderNumber'], undefined],
  [130, ['partnerOrderNumber'], '   '],
  [131, ['partnerOrderNumber'], 'P'.repeat(65)],
  [131, ['partnerOrderNumber'], { id: 'P1' }],
  [131, ['partnerOrderNumber'], 12.5],
  [140, ['orderDate'], undefined],
  [140, ['orderDate'], ''],
  [141, ['orderDate'], '2026-01-31'],
  [141, ['orderDate'], '2026-01-31T10:00:00'],
  [141, ['orderDate'], '2026-02-30T10:00:00Z'],
  [141, ['orderDate'], 1769846400000],
  [120, ['currency'], undefined],
  [120, ['currency'], ' '],
  [121, ['currency'], 'EURO'],
  [121, ['currency'], 'E1R'],
  [121, ['currency'], 978],
  [1045, ['affiliateId'], 'ABC'],
  [1045, ['affiliateId'], -1],
  [1045, ['affiliateId'], 4.2],
  [200, ['orderLines'], undefined],
  [200, ['orderLines'], []],
  [200, ['orderLines'], 'PARTNER689'],
  [200, ['orderLines'], Array.from({ length: 51 }, () => ({ productRef: 1, quantity: 1 }))],
  [210, [...LINE, 'productRef'], undefined],
  [210, ['orderLines'], [null]],
  [211, [...LINE, 'productRef'], 0],
  [211, [...LINE, 'productRef'], 2 ** 31],
  [211, [...LINE, 'productRef'], '72464a'],
  [220, [...LINE, 'quantity'], undefined],
  [221, [...LINE, 'quantity'], 0],
  [221, [...LINE, 'quantity'], 101],
  [221, [...LINE, 'quantity'], '1.5'],
  [231, [...LINE, 'vatRate'], 100.5],
  [231, [...LINE, 'vatRate'], -1],
  [231, [...LINE, 'vatRate'], '20%'],
  [241, [...LINE, 'amountDutyFree'], -0.01],
  [241, [...LINE, 'amountDutyFree'], 19.999],
  [241, [...LINE, 'amountDutyFree'], 100_000_000],
  [251, [...LINE, 'amountTotal'], '12,00'],
  [251, [...LINE, 'amountTotal'], 12.001],
  [321, [...LINE, 'endUserEmail'], 'gift@'],
  [600, [...LINE, 'discounts'], 'PROMO-1'],
  [600, [...LINE, 'discounts'], [42]],
  [610, [...LINE_DISCOUNT, 'foreignRef'], undefined],
  [611, [...LINE_DISCOUNT, 'foreignRef'], ['PROMO-1']],
  [620, [...LINE_DISCOUNT, 'label'], ''],
  [621, [...LINE_DISCOUNT, 'label'], 'L'.repeat(256)],
  [630, [...LINE_DISCOUNT, 'priceDelta'], undefined],
  [631, [...LINE_DISCOUNT, 'priceDelta'], '-2.005'],
  [640, [...LINE_DISCOUNT, 'operation'], undefined],
  [641, [...LINE_DISCOUNT, 'operation'], 'FIXED'],
  [650, [...LINE_DISCOUNT, 'operationValue'], undefined],
  [651, [...LINE_DISCOUNT, 'operationValue'], 101],
  [651, [...LINE_DISCOUNT, 'operationValue'], -1],
  [300, CUSTOMER, undefined],
  [300, CUSTOMER, 'jane.doe@example.com'],
  [300, CUSTOMER, []],
  [320, [...CUSTOMER, 'email'], undefined],
  [321, [...CUSTOMER, 'email'], 'jane.doe@example'],
  [321, [...CUSTOMER, 'email'], 'jane doe@example.com'],
  [330, [...CUSTOMER, 'language'], undefined],
  [331, [...CUSTOMER, 'language'], 'fr'],
  [331, [...CUSTOMER, 'language'], 'fr-FR'],
  [331, [...CUSTOMER, 'language'], 'fra_FR'],
  [311, [...CUSTOMER, 'partnerId'], 'C'.repeat(65)],
  [341, [...CUSTOMER, 'ipV4'], '256.1.1.1'],
  [341, [...CUSTOMER, 'ipV4'], '2001:db8::7'],
  [343, [...CUSTOMER, 'ipV6'], '203.0.113.7'],
  [343, [...CUSTOMER, 'ipV6'], 'fe80::1%eth0'],
  [420, INVOICE, undefined],
  [420, INVOICE, 'Paris'],
  [420, INVOICE, {}],
  [431, [...INVOICE, 'title'], 'Mrs'],
  [440, [...INVOICE, 'lastName'], undefined],
  [441, [...INVOICE, 'lastName'], 'D'.repeat(101)],
  [450, [...INVOICE, 'firstName'], ''],
  [451, [...INVOICE, 'firstName'], true],
  [541, [...INVOICE, 'companyName'], { name: 'Doe Ltd' }],
  [460, [...INVOICE, 'address1'], undefined],
  [461, [...INVOICE, 'address1'], 'line\u0000one'],
  [461, [...INVOICE, 'address1'], 'line\none'],
  [531, [...INVOICE, 'address2'], 'A'.repeat(256)],
  [481, [...INVOICE, 'zipCode'], '7'.repeat(21)],
  [490, [...INVOICE, 'city'], null],
  [491, [...INVOICE, 'city'], ['Paris']],
  [500, [...INVOICE, 'country'], undefined],
  [501, [...INVOICE, 'country'], 'FRA'],
  [1049, [...INVOICE, 'province'], { code: 'US-NY' }],
  [410, DELIVERY, 'same as invoice'],
  [441, [...DELIVERY, 'lastName'], 42.5],
  [711, ['payment'], 'External Payment'],
  [711, ['payment', 'paymentMethod'], 'M'.repeat(65)],
  [721, ['payment', 'transactionId'], 'T'.repeat(129)],
  [600, ['discounts'], 'ORDER-PROMO'],
  [610, [...ORDER_DISCOUNT, 'foreignRef'], '  '],
  [611, [...ORDER_DISCOUNT, 'foreignRef'], false],
  [620, [...ORDER_DISCOUNT, 'label'], undefined],
  [621, [...ORDER_DISCOUNT, 'label'], {}],
  [630, [...ORDER_DISCOUNT, 'priceDelta'], ''],
  [631, [...ORDER_DISCOUNT, 'priceDelta'], 'minus two'],
  [640, [...ORDER_DISCOUNT, 'operation'], null],
  [641, [...ORDER_DISCOUNT, 'operation'], 'percentage'],
  [650, [...ORDER_DISCOUNT, 'operationValue'], undefined],
  [651, [...ORDER_DISCOUNT, 'operationValue'], 5.555],
  [751, ['metadata', 0, 'key'], undefined],
  [751, ['metadata', 0, 'key'], 'K'.repeat(65)],
  [751, ['metadata'], 'campaign=spring'],
  [751, ['metadata'], ['campaign']],
  [751, ['metadata', 0, 'value'], { nested: true }],
];

describe('readOrderRequest: one code per failing field', () => {
  it('accepts the valid base order', () => {
    expect(codeOf(validBody())).toBe('accepted');
    expect(codeOf(validBody(), ALL_DISCS)).toBe('accepted');
  });

  it.each(CASES)('refuses with %i when %j is %j', (code, path, value) => {
    expect(codeOf(withField(validBody(), path, value))).toBe(code);
  });

  it('covers every format code of the createOrder catalogue', () => {
    const referenceCodes = [1010, 1020, 1021, 1022, 1023, 1042, 1044, 1048, 1050, 1051];
    const tested = new Set([...CASES.map(([code]) => code), 410, 1046]);
    const formatCodes = Object.keys(OPERATION_ERRORS.createOrder).map(Number).filter((code) => !referenceCodes.includes(code));
    expect(formatCodes.filter((code) => !tested.has(code))).toEqual([]);
  });

  it('refuses with 1046 when payment is given and neither ipV4 nor ipV6', () => {
    const noIp = withFields(validBody(), [[[...CUSTOMER, 'ipV4'], undefined], [[...CUSTOMER, 'ipV6'], '']]);
    expect(codeOf(noIp)).toBe(1046);
    expect(codeOf(withField(noIp, ['payment'], undefined))).toBe('accepted');
    expect(codeOf(withField(noIp, ['payment'], {}))).toBe('accepted');
    expect(codeOf(withField(noIp, ['payment'], { paymentMethod: ' ', transactionId: null }))).toBe('accepted');
    expect(codeOf(withField(validBody(), [...CUSTOMER, 'ipV4'], undefined))).toBe('accepted');
  });

  it('refuses more than 20 metadata entries with 751 and accepts 20', () => {
    const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: String(i) }));
    expect(codeOf(withField(validBody(), ['metadata'], entries(20)))).toBe('accepted');
    expect(codeOf(withField(validBody(), ['metadata'], entries(21)))).toBe(751);
  });

  it('accepts 50 lines', () => {
    expect(codeOf(withField(validBody(), ['orderLines'], Array.from({ length: 50 }, () => ({ productRef: 1, quantity: 1 }))))).toBe('accepted');
  });
});

describe('readOrderRequest: the first failing field in table order wins', () => {
  it('reports a bad currency before bad orderLines', () => {
    expect(codeOf(withFields(validBody(), [[['currency'], 'EURO'], [['orderLines'], []]]))).toBe(121);
  });

  it('reports partnerOrderNumber before orderDate before currency', () => {
    const body = withFields(validBody(), [[['partnerOrderNumber'], ''], [['orderDate'], 'today'], [['currency'], 'E']]);
    expect(codeOf(body)).toBe(130);
    expect(codeOf(withField(body, ['partnerOrderNumber'], 'P1'))).toBe(141);
  });

  it('reports line 2 productRef before a bad customer', () => {
    const body = withFields(validBody(), [[['orderLines', 1, 'productRef'], -5], [CUSTOMER, 'nobody']]);
    expect(codeOf(body)).toBe(211);
  });

  it('reports every field of line 1 before any field of line 2', () => {
    const body = withFields(validBody(), [[['orderLines', 0, 'amountTotal'], -1], [['orderLines', 1, 'productRef'], undefined]]);
    expect(codeOf(body)).toBe(251);
  });

  it('reports a line discount before the customer', () => {
    expect(codeOf(withFields(validBody(), [[[...LINE_DISCOUNT, 'label'], undefined], [[...CUSTOMER, 'email'], undefined]]))).toBe(620);
  });

  it('reports the customer fields in table order, 1046 before the invoice address', () => {
    const noIp = withFields(validBody(), [[[...CUSTOMER, 'ipV4'], undefined], [[...CUSTOMER, 'ipV6'], undefined], [INVOICE, undefined]]);
    expect(codeOf(noIp)).toBe(1046);
    expect(codeOf(withField(noIp, [...CUSTOMER, 'language'], 'fr-FR'))).toBe(331);
  });

  it('reports the location fields in table order', () => {
    const body = withFields(validBody(), [[[...INVOICE, 'title'], 'x'], [[...INVOICE, 'lastName'], undefined], [[...INVOICE, 'country'], 'F']]);
    expect(codeOf(body)).toBe(431);
    expect(codeOf(withField(body, [...INVOICE, 'title'], 2))).toBe(440);
    expect(codeOf(withFields(body, [[[...INVOICE, 'title'], 2], [[...INVOICE, 'lastName'], 'Doe']]))).toBe(501);
  });

  it('reports the invoice address before the delivery address, and both before payment', () => {
    const body = withFields(validBody(), [[[...INVOICE, 'city'], ''], [[...DELIVERY, 'lastName'], ''], [['payment', 'transactionId'], {}]]);
    expect(codeOf(body)).toBe(490);
    expect(codeOf(withField(body, [...INVOICE, 'city'], 'Paris'))).toBe(440);
    expect(codeOf(withFields(body, [[[...INVOICE, 'city'], 'Paris'], [[...DELIVERY, 'lastName'], 'Doe']]))).toBe(721);
  });

  it('reports payment before order discounts before metadata', () => {
    const body = withFields(validBody(), [[['payment', 'paymentMethod'], ['card']], [['discounts'], 7], [['metadata', 0, 'key'], '']]);
    expect(codeOf(body)).toBe(711);
    expect(codeOf(withField(body, ['payment'], undefined))).toBe(600);
    expect(codeOf(withFields(body, [[['payment'], undefined], [['discounts'], undefined]]))).toBe(751);
  });

  it('reports discount fields in table order', () => {
    const body = withFields(validBody(), [[[...ORDER_DISCOUNT, 'label'], ''], [[...ORDER_DISCOUNT, 'operation'], 'x']]);
    expect(codeOf(body)).toBe(620);
  });
});

describe('readOrderRequest: locationDelivery and discs', () => {
  const noDelivery = withField(validBody(), DELIVERY, undefined);

  it('refuses with 410 only when a line ships a disc and no delivery address is given', () => {
    expect(codeOf(noDelivery, NO_DISC)).toBe('accepted');
    expect(codeOf(noDelivery, { needsDelivery: (ref) => ref === 811537 })).toBe(410);
    expect(codeOf(noDelivery, { needsDelivery: (ref) => ref === 999 })).toBe('accepted');
    expect(codeOf(validBody(), ALL_DISCS)).toBe('accepted');
  });

  it('treats an empty delivery template as absent', () => {
    const blank = Object.fromEntries(Object.keys(location()).map((key) => [key, '']));
    for (const empty of [null, '', {}, [], blank]) {
      const body = withField(validBody(), DELIVERY, empty);
      expect(readOrderRequest(body, NO_DISC).customer.locationDelivery).toBeNull();
      expect(codeOf(body, ALL_DISCS)).toBe(410);
    }
  });

  it('checks a delivery address that is given even when no disc is ordered', () => {
    expect(codeOf(withField(validBody(), [...DELIVERY, 'city'], undefined), NO_DISC)).toBe(490);
  });
});

describe('readOrderRequest: envelope rules of §2', () => {
  it('accepts numeric strings for every number', () => {
    const body = withFields(validBody(), [
      [['affiliateId'], '42'],
      [[...LINE, 'productRef'], '724648'],
      [[...LINE, 'quantity'], ' 2 '],
      [[...LINE, 'vatRate'], '19.6'],
      [[...LINE, 'amountDutyFree'], '10.00'],
      [[...LINE, 'amountTotal'], '11.96'],
      [[...LINE_DISCOUNT, 'priceDelta'], '-2.50'],
      [[...LINE_DISCOUNT, 'operationValue'], '12.5'],
      [[...INVOICE, 'title'], '2'],
    ]);
    const input = readOrderRequest(body, NO_DISC);
    expect(input.affiliateId).toBe(42);
    expect(input.lines[0]).toMatchObject({ productRef: 724648, quantity: 2, vatRate: 19.6, amountDutyFree: 10, amountTotal: 11.96 });
    expect(input.lines[0]!.discounts[0]).toMatchObject({ priceDelta: -2.5, operationValue: 12.5 });
    expect(input.customer.locationInvoice.title).toBe(2);
  });

  it('reads a safe integer sent for a text field as its digits', () => {
    const input = readOrderRequest(withFields(validBody(), [[['partnerOrderNumber'], 12345], [[...INVOICE, 'zipCode'], 75002]]), NO_DISC);
    expect(input.partnerOrderNumber).toBe('12345');
    expect(input.customer.locationInvoice.zipCode).toBe('75002');
  });

  it('ignores [{}] and empty discounts, on lines and on the order', () => {
    const body = withFields(validBody(), [[[...LINE, 'discounts'], [{}]], [['discounts'], [{}, null, { foreignRef: '', label: ' ' }, { other: 1 }]]]);
    const input = readOrderRequest(body, NO_DISC);
    expect(input.lines[0]!.discounts).toEqual([]);
    expect(input.discounts).toEqual([]);
    expect(readOrderRequest(withField(validBody(), ['discounts'], {}), NO_DISC).discounts).toEqual([]);
  });

  it('treats "province": "" as absent and keeps a given province as sent, trimmed', () => {
    expect(readOrderRequest(validBody(), NO_DISC).customer.locationInvoice.province).toBeNull();
    const us = withFields(validBody(), [[[...INVOICE, 'country'], 'us'], [[...INVOICE, 'province'], ' ny ']]);
    expect(readOrderRequest(us, NO_DISC).customer.locationInvoice).toMatchObject({ country: 'US', province: 'ny' });
  });

  it('treats blank optional fields as absent', () => {
    const body = withFields(validBody(), [
      [['marketingProgramId'], ''],
      [['affiliateId'], ' '],
      [[...LINE, 'vatRate'], ''],
      [[...LINE, 'endUserEmail'], ''],
      [[...CUSTOMER, 'partnerId'], null],
      [[...INVOICE, 'companyName'], ' '],
    ]);
    const input = readOrderRequest(body, NO_DISC);
    expect(input).toMatchObject({ marketingProgramId: null, affiliateId: null, customer: { partnerId: null, locationInvoice: { companyName: null } } });
    expect(input.lines[0]).toMatchObject({ vatRate: null, endUserEmail: null });
  });

  it('ignores unknown fields and an unusable marketingProgramId', () => {
    const body = withFields(validBody(), [[['marketingProgramId'], { id: 1 }], [['nexwayExtra'], { a: [1, 2] }], [[...LINE, 'sku'], 'X']]);
    expect(readOrderRequest(body, NO_DISC).marketingProgramId).toBeNull();
    expect(readOrderRequest(withField(validBody(), ['marketingProgramId'], 'M'.repeat(65)), NO_DISC).marketingProgramId).toBeNull();
  });

  it('keeps a metadata value on several lines and numbers or booleans as their text', () => {
    const metadata = [{ key: 'note', value: 'line one\nline two' }, { key: 'gift', value: true }, { key: 'visits', value: 3 }];
    expect(readOrderRequest(withField(validBody(), ['metadata'], metadata), NO_DISC).metadata).toEqual([
      { key: 'note', value: 'line one\nline two' },
      { key: 'gift', value: 'true' },
      { key: 'visits', value: '3' },
    ]);
  });

  it('drops a phone or fax that is not text instead of refusing the order', () => {
    const input = readOrderRequest(withFields(validBody(), [[[...INVOICE, 'phone'], { mobile: '1' }], [[...INVOICE, 'fax'], 'F'.repeat(65)]]), NO_DISC);
    expect(input.customer.locationInvoice).toMatchObject({ phone: null, fax: null });
  });

  it('accepts ISO 8601 date-times with an offset and keeps them as sent', () => {
    for (const date of ['2026-01-31T10:00:00+02:00', '2026-01-31T10:00:00.123Z', '2026-01-31T10:00Z', '2026-01-31T10:00:00-0530', '2024-02-29T23:59:59.123456789+14:00']) {
      expect(readOrderRequest(withField(validBody(), ['orderDate'], ` ${date} `), NO_DISC).orderDate).toBe(date);
    }
    for (const date of ['2026-01-31T10:00:00+02', '2026-01-31 10:00:00Z', '2025-02-29T10:00:00Z', '2026-01-31T24:00:00Z', '2026-01-31T23:59:60Z', '2026-13-01T10:00:00Z', '2026-01-31T10:00:00+24:00']) {
      expect(codeOf(withField(validBody(), ['orderDate'], date))).toBe(141);
    }
  });

  it('checks amounts against the minor unit of the currency sent', () => {
    const amount = (currency: string, value: unknown) => codeOf(withFields(validBody(), [[['currency'], currency], [[...LINE, 'amountDutyFree'], value]]));
    expect(amount('JPY', 1500)).toBe('accepted');
    expect(amount('JPY', 1500.5)).toBe(241);
    expect(amount('KWD', 1.234)).toBe('accepted');
    expect(amount('KWD', 1.2345)).toBe(241);
    // Not an ISO 4217 code (refused later with 1021): two decimals meanwhile.
    expect(amount('XYZ', 19.99)).toBe('accepted');
    expect(amount('XYZ', 19.999)).toBe(241);
  });

  it('accepts an IPv4-mapped IPv6 address and IPv4 alone', () => {
    expect(codeOf(withField(validBody(), [...CUSTOMER, 'ipV6'], '::ffff:203.0.113.7'))).toBe('accepted');
    expect(codeOf(withField(validBody(), [...CUSTOMER, 'ipV6'], undefined))).toBe('accepted');
  });

  it('never throws anything but a Refusal for wrong JSON types', () => {
    for (const value of [{}, [], true, false, 1e308, -1e308, 'NaN', 'Infinity', '1e3', '0x10', [1, 2], { a: {} }]) {
      for (const [, path] of CASES) {
        const code = codeOf(withField(validBody(), path, value));
        if (code !== 'accepted') expect(OPERATION_ERRORS.createOrder[code]).toBeDefined();
      }
    }
  });
});

describe('readOrderRequest: a Nexway-like order', () => {
  it('reads every field into PlaceOrderInput', () => {
    const body = {
      partnerOrderNumber: ' PARTNER689 ',
      orderDate: '2026-01-31T10:00:00+02:00',
      currency: 'eur',
      marketingProgramId: '',
      affiliateId: '',
      orderLines: [
        { productRef: 724648, quantity: 1, vatRate: 20, amountDutyFree: 0, amountTotal: 1, endUserEmail: '', discounts: [{}] },
        { productRef: '811537', quantity: '2', vatRate: '20', amountDutyFree: '16.66', amountTotal: '19.99', discounts: [{ foreignRef: 'BF', label: 'Black Friday', priceDelta: '-5', operation: 'percent', operationValue: '20' }] },
      ],
      customer: {
        email: 'jane.doe@example.com',
        language: 'fr_fr',
        partnerId: 'CUST-42',
        ipV4: '203.0.113.7',
        ipV6: '',
        locationInvoice: { title: 1, lastName: 'Doe', firstName: 'Jane', companyName: '', address1: '1 rue de la Paix', address2: '', zipCode: '75002', city: 'Paris', country: 'fr', province: '', phone: '+33 1 23 45 67 89', fax: '' },
        locationDelivery: { title: '', lastName: '', firstName: '', companyName: '', address1: '', address2: '', zipCode: '', city: '', country: '', province: '', phone: '', fax: '' },
      },
      payment: { paymentMethod: 'External Payment', transactionId: 'TX-0001' },
      discounts: [{}],
      metadata: [{ key: 'campaign', value: 'spring' }, { key: 'visits', value: 3 }, {}],
      responseFormat: 'json',
    };
    const expected: PlaceOrderInput = {
      partnerOrderNumber: 'PARTNER689',
      orderDate: '2026-01-31T10:00:00+02:00',
      currency: 'EUR',
      marketingProgramId: null,
      affiliateId: null,
      lines: [
        { productRef: 724648, quantity: 1, vatRate: 20, amountDutyFree: 0, amountTotal: 1, endUserEmail: null, discounts: [] },
        {
          productRef: 811537,
          quantity: 2,
          vatRate: 20,
          amountDutyFree: 16.66,
          amountTotal: 19.99,
          endUserEmail: null,
          discounts: [{ foreignRef: 'BF', label: 'Black Friday', priceDelta: -5, operation: 'PERCENT', operationValue: 20 }],
        },
      ],
      customer: {
        email: 'jane.doe@example.com',
        language: { language: 'fr', country: 'FR' },
        partnerId: 'CUST-42',
        ipV4: '203.0.113.7',
        ipV6: null,
        locationInvoice: {
          title: 1,
          lastName: 'Doe',
          firstName: 'Jane',
          companyName: null,
          address1: '1 rue de la Paix',
          address2: null,
          zipCode: '75002',
          city: 'Paris',
          country: 'FR',
          province: null,
          phone: '+33 1 23 45 67 89',
          fax: null,
        },
        locationDelivery: null,
      },
      payment: { paymentMethod: 'External Payment', transactionId: 'TX-0001' },
      discounts: [],
      metadata: [{ key: 'campaign', value: 'spring' }, { key: 'visits', value: '3' }],
    };
    expect(readOrderRequest(body, NO_DISC)).toEqual(expected);
  });
});

/** Every field path of the valid body, objects and lists included, for the property below. */
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const children = Object.entries(value).flatMap(([key, child]) => pathsOf(child, [...prefix, Array.isArray(value) ? Number(key) : key]));
  return prefix.length === 0 ? children : [prefix, ...children];
}

const PATHS = pathsOf(validBody());
const CREATE_ORDER_CODES = new Set(Object.keys(OPERATION_ERRORS.createOrder).map(Number));

/** Either an accepted order or a Refusal with a createOrder code; any other throw fails the property. */
function holdsContract(body: Body, needsDelivery: boolean): boolean {
  try {
    const input = readOrderRequest(body, { needsDelivery: () => needsDelivery });
    return input.lines.length >= 1 && input.lines.length <= 50;
  } catch (error) {
    return error instanceof Refusal && CREATE_ORDER_CODES.has(error.code);
  }
}

describe('readOrderRequest: property', () => {
  it('returns or refuses with a createOrder code, whatever JSON value any field holds', () => {
    const change = fc.tuple(fc.constantFrom(...PATHS), fc.oneof(fc.jsonValue(), fc.constantFrom(undefined, '', ' ', '-0', '1e400', '12.5', '-1', '99999999999999999999')));
    fc.assert(
      fc.property(fc.array(change, { minLength: 1, maxLength: 4 }), fc.boolean(), (changes, needsDelivery) => {
        // A change may replace an ancestor of a later path with a scalar: skip what no longer exists.
        let body = validBody();
        for (const [path, value] of changes) {
          try {
            body = withField(body, path, value);
          } catch {
            // the parent of `path` is no longer an object
          }
        }
        return holdsContract(body, needsDelivery);
      }),
      { numRuns: 2000 },
    );
  });

  it('returns or refuses with a createOrder code for arbitrary JSON bodies', () => {
    const keys = Object.keys(validBody());
    fc.assert(
      fc.property(fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string()), fc.jsonValue()), fc.boolean(), (body, needsDelivery) => holdsContract(body, needsDelivery)),
      { numRuns: 1000 },
    );
  });
});
