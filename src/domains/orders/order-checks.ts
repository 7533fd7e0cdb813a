import { isCountry, isSubdivisionOf } from '../../shared/iso.js';
import { toMinor } from '../../shared/money.js';
import type { SellableProduct } from '../catalog/index.js';
import type { PointOfSale } from '../partners/index.js';
import { amountsAgree, isVatRateAccepted } from '../tax/index.js';
import { fullProvince, isProvinceShaped, PROVINCE_COUNTRIES } from './order.js';
import type { LocationInput, PlaceOrderInput } from './order-input.js';

/**
 * The first reference refusal of a well-formed createOrder, in the order of connect-api.md §10:
 * per line 1020, then 1021, 1022, 1023, 1048–1050; then 1042, 1051, 231, 251. Stock (1044) and
 * duplicates (1010) are checked by the caller. Returns undefined when everything holds.
 */
export function referenceRefusal(input: PlaceOrderInput, pos: PointOfSale, products: ReadonlyMap<number, SellableProduct>, today: string): number | undefined {
  if (input.lines.some((line) => !products.has(line.productRef))) return 1020;
  if (input.currency !== pos.currency) return 1021;
  const { language, country } = input.customer.language;
  if (!pos.languages.includes(language) || !(country === 'XE' || isCountry(country))) return 1022;
  const locations = [input.customer.locationInvoice, input.customer.locationDelivery].filter((l): l is LocationInput => l !== null);
  if (locations.some((l) => !isCountry(l.country))) return 1023;
  for (const location of locations) {
    const code = provinceRefusal(location);
    if (code) return code;
  }
  const lineProducts = input.lines.map((line) => products.get(line.productRef)!);
  for (const product of lineProducts) {
    if (product.option && !lineProducts.some((other) => other !== product && other.optionRefs.includes(product.ref))) return 1042;
  }
  if (lineProducts.some((p) => p.status === 'pre_order' && (p.releaseDate === null || p.releaseDate > today))) return 1051;
  if (pos.vatPolicy === 'strict') {
    const invoice = input.customer.locationInvoice;
    if (input.lines.some((line) => line.vatRate !== null && !isVatRateAccepted(line.vatRate, invoice.country, invoice.province, today))) return 231;
    if (input.lines.some((line) => !lineAmountsAgree(line, input.currency))) return 251;
  }
  return undefined;
}

function provinceRefusal(location: LocationInput): number | undefined {
  if (location.province === null) return PROVINCE_COUNTRIES.has(location.country) ? 1048 : undefined;
  if (!isProvinceShaped(location.province)) return 1049;
  const full = fullProvince(location.province, location.country);
  if (!full.startsWith(`${location.country}-`) || !isSubdivisionOf(full, location.country)) return 1050;
  return undefined;
}

/** Under `strict`: amountTotal = amountDutyFree × (1 + vatRate/100), checked only when all three are sent. */
function lineAmountsAgree(line: PlaceOrderInput['lines'][number], currency: string): boolean {
  if (line.vatRate === null || line.amountDutyFree === null || line.amountTotal === null) return true;
  const dutyFree = toMinor(line.amountDutyFree, currency);
  const total = toMinor(line.amountTotal, currency);
  if (dutyFree === undefined || total === undefined) return false;
  return amountsAgree(dutyFree, total, line.vatRate, line.quantity);
}

/**
 * Why a line would be flagged in the statement's VAT report under the `record` policy: its rate is
 * not the invoice country's, or its amounts disagree with it.
 */
export function vatFlagsOf(line: PlaceOrderInput['lines'][number], input: PlaceOrderInput, today: string): string[] {
  const invoice = input.customer.locationInvoice;
  const flags: string[] = [];
  if (line.vatRate !== null && !isVatRateAccepted(line.vatRate, invoice.country, invoice.province, today)) flags.push('rate');
  if (!lineAmountsAgree(line, input.currency)) flags.push('amounts');
  return flags;
}
