export * from './tax.js';
export {
  COUNTRY_RATES,
  PROVINCE_RATES,
  REGIONS_OUTSIDE_TABLE,
  VAT_TABLE_CHECKED_ON,
  VAT_TABLE_STARTS_ON,
  type RateHistory,
  type RatePeriod,
} from './vat-rates.js';
