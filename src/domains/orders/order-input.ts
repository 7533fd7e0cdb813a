/**
 * What a partner asks for in createOrder, once every field has passed its format check
 * (http/connect/order-request.ts). Reference checks (POS currency, product list, languages,
 * countries, provinces, options, pre-orders, VAT) and stock are the domain's (orders.service.ts).
 */
export type PlaceOrderInput = {
  partnerOrderNumber: string;
  /** As sent: any ISO 8601 date-time with offset. */
  orderDate: string;
  /** Upper case, three letters (ISO 4217 and POS currency are checked later: 1021). */
  currency: string;
  marketingProgramId: string | null;
  affiliateId: number | null;
  lines: OrderLineInput[];
  customer: CustomerInput;
  payment: PaymentInput | null;
  discounts: DiscountInput[];
  metadata: { key: string; value: string | null }[];
};

export type OrderLineInput = {
  productRef: number;
  quantity: number;
  /** Percent, 0..100, or null when not sent. */
  vatRate: number | null;
  /** Decimal amounts as sent (valid for the currency's minor unit), or null when not sent. */
  amountDutyFree: number | null;
  amountTotal: number | null;
  endUserEmail: string | null;
  discounts: DiscountInput[];
};

export type CustomerInput = {
  email: string;
  /** `ll_CC` split: language lower case, country upper case (any ISO 3166-1 code or XE, checked later). */
  language: { language: string; country: string };
  partnerId: string | null;
  ipV4: string | null;
  ipV6: string | null;
  locationInvoice: LocationInput;
  locationDelivery: LocationInput | null;
};

export type LocationInput = {
  title: number | null;
  lastName: string;
  firstName: string;
  companyName: string | null;
  address1: string;
  address2: string | null;
  zipCode: string | null;
  city: string;
  /** Two upper-case letters (ISO 3166-1 is checked later: 1023). */
  country: string;
  /** As sent, trimmed (`US-NY` or `NY`; checked later: 1048–1050). */
  province: string | null;
  phone: string | null;
  fax: string | null;
};

export type PaymentInput = { paymentMethod: string | null; transactionId: string | null };

export type DiscountInput = {
  foreignRef: string;
  label: string;
  priceDelta: number;
  operation: 'PERCENT' | 'AMOUNT';
  operationValue: number;
};
