import { Type } from '@sinclair/typebox';

// The createOrder contract for the OpenAPI document (connect-api.md §6). Fields are checked by
// order-request.ts in the table's order, each with its own code, given in each description.

const text = (max: number, description: string) => Type.String({ maxLength: max, description });
const optionalText = (max: number, description: string) => Type.Optional(text(max, description));

const Discount = Type.Object({
  foreignRef: Type.String({ description: '610 missing, 611 invalid' }),
  label: Type.String({ description: '620 missing, 621 invalid' }),
  priceDelta: Type.Number({ description: '630 missing, 631 invalid' }),
  operation: Type.String({ description: 'PERCENT or AMOUNT, any case; 640 missing, 641 invalid' }),
  operationValue: Type.Number({ description: '650 missing, 651 invalid' }),
}, { description: 'an empty object is ignored' });

const Location = Type.Object({
  title: Type.Optional(Type.Integer({ description: '431 invalid' })),
  lastName: text(100, '440 missing, 441 invalid'),
  firstName: text(100, '450 missing, 451 invalid'),
  companyName: optionalText(100, '541 invalid'),
  address1: text(100, '460 missing, 461 invalid'),
  address2: optionalText(100, '531 invalid'),
  zipCode: optionalText(20, '481 invalid'),
  city: text(100, '490 missing, 491 invalid'),
  country: Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2; 500 missing, 501 invalid, 1023 unknown' }),
  province: Type.Optional(Type.String({ description: 'ISO 3166-2 (US-NY or NY); required for US, CA, BR, AU: 1048 required, 1049 malformed, 1050 not of the country' })),
  phone: Type.Optional(Type.String()),
  fax: Type.Optional(Type.String()),
});

export const OrderRequestBody = Type.Object({
  partnerOrderNumber: text(64, 'unique per partner; 130 missing, 131 invalid, 1010 already created (the answer carries the existing orderNumber)'),
  orderDate: Type.String({ format: 'date-time', description: 'ISO 8601 with offset, recorded as sent; 140 missing, 141 invalid' }),
  currency: Type.String({ pattern: '^[A-Za-z]{3}$', description: 'ISO 4217, the POS currency; 120 missing, 121 invalid, 1021 unknown or not the POS currency' }),
  marketingProgramId: optionalText(64, ''),
  affiliateId: Type.Optional(Type.Integer({ description: '1045 invalid' })),
  orderLines: Type.Array(Type.Object({
    productRef: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1, description: '210 missing, 211 invalid, 1020 not sold by this POS, 1042 option without its main product, 1051 pre-order' }),
    quantity: Type.Integer({ minimum: 1, maximum: 100, description: '220 missing, 221 invalid' }),
    vatRate: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'percent; 231 invalid (under the strict VAT policy: not the invoice country rate)' })),
    amountDutyFree: Type.Optional(Type.Number({ minimum: 0, description: 'what the end user paid for the line, excl. VAT; 241 invalid' })),
    amountTotal: Type.Optional(Type.Number({ minimum: 0, description: 'the same incl. VAT; 251 invalid (strict: disagrees with amountDutyFree and vatRate)' })),
    endUserEmail: Type.Optional(Type.String({ format: 'email', description: '321 invalid' })),
    discounts: Type.Optional(Type.Array(Discount, { description: '600 invalid' })),
  }), { minItems: 1, maxItems: 50, description: '200 missing; 1044 out of stock refuses the whole order' }),
  customer: Type.Object({
    email: Type.String({ format: 'email', description: '320 missing, 321 invalid' }),
    language: Type.String({ pattern: '^[a-z]{2}_[A-Z]{2}$', description: 'll_CC (fr_FR, en_XE); 330 missing, 331 invalid, 1022 not a POS language' }),
    partnerId: optionalText(64, '311 invalid'),
    ipV4: Type.Optional(Type.String({ format: 'ipv4', description: '341 invalid; 1046 neither ipV4 nor ipV6 while payment is present' })),
    ipV6: Type.Optional(Type.String({ format: 'ipv6', description: '343 invalid' })),
    locationInvoice: Location,
    locationDelivery: Type.Optional(Type.Intersect([Location], { description: 'required with a backup DVD or download DVD: 410' })),
  }, { description: '300 missing' }),
  payment: Type.Optional(Type.Object({
    paymentMethod: Type.Optional(Type.String({ description: '"External Payment"; 711 invalid' })),
    transactionId: optionalText(128, '721 invalid'),
  })),
  discounts: Type.Optional(Type.Array(Discount)),
  metadata: Type.Optional(Type.Array(Type.Object({ key: Type.String({ description: '751 missing' }), value: Type.Optional(Type.String()) }), { maxItems: 20 })),
});

const Serial = Type.Object({ data: Type.String(), encoding: Type.Literal('text'), charset: Type.Literal('utf-8'), fileName: Type.String() });

const File = Type.Object({
  label: Type.String(),
  type: Type.String(),
  url: Type.String({ description: 'signed, expiring link served by this server' }),
  size: Type.Integer({ description: 'bytes' }),
  group: Type.String(),
});

export const OrderAnswer = Type.Object({
  partnerOrderNumber: Type.Union([Type.String(), Type.Null()]),
  orderNumber: Type.Union([Type.Integer(), Type.Null()], { description: 'null when refused, the existing one for 1010' }),
  orderLines: Type.Array(Type.Object({
    productRef: Type.Integer(),
    lineItems: Type.Array(Type.Object({
      serials: Type.Array(Serial),
      subscriptionId: Type.Union([Type.Integer(), Type.Null()]),
      responseCode: Type.Integer(),
      responseMessage: Type.String(),
    }), { description: 'one per unit' }),
    files: Type.Array(File),
    dateEndDownload: Type.String({ format: 'date' }),
    digitalLockerLink: Type.Union([Type.String(), Type.Null()]),
    remark: Type.Union([Type.String(), Type.Null()]),
    responseCode: Type.Integer(),
    responseMessage: Type.String(),
  })),
  downloadManager: Type.Union([Type.Object({ pc: Type.String(), mac: Type.String() }), Type.Null()], { description: 'Metalink 4 of every file of the order' }),
  responseCode: Type.Integer(),
  responseMessage: Type.String(),
});
