import ipaddr from 'ipaddr.js';
import { InputError } from '../../shared/errors.js';
import { isCountry, normaliseLanguage } from '../../shared/iso.js';
import { isCurrency } from '../../shared/money.js';

export type Partner = { id: number; name: string; realmName: string; suspended: boolean; webhookUrl: string | null };

export type VatPolicy = 'record' | 'strict';

/** What a POS sells: the whole catalog when every list is empty, else products matching any list. */
export type ProductList = { publishers: number[]; categories: number[]; refs: number[] };

export type PointOfSale = {
  id: number;
  partnerId: number;
  name: string;
  currency: string;
  countries: string[];
  /** The first one is the master language. */
  languages: string[];
  descriptionLanguage: string;
  productList: ProductList;
  ipAllowList: string[];
  cancelWindowDays: number;
  vatPolicy: VatPolicy;
  rateLimit: number | null;
  suspended: boolean;
};

/** Every POS setting a person can give (CLI flags, back-office form); absent keys keep their value. */
export type PosSettings = Partial<{
  name: string;
  currency: string;
  countries: string[];
  languages: string[];
  descriptionLanguage: string;
  publishers: number[];
  categories: number[];
  refs: number[];
  cancelWindowDays: number;
  vatPolicy: VatPolicy;
  rateLimit: number | null;
  suspended: boolean;
}>;

export const DEFAULT_POS = {
  currency: 'EUR',
  countries: ['FR'],
  languages: ['fr'],
  cancelWindowDays: 30,
  vatPolicy: 'record' as VatPolicy,
};

/** The realm of a partner name: lower case, every run of characters other than a-z0-9 turned into `-`. */
export function realmNameOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

/** Checks and normalises POS settings; throws InputError naming the first bad one. */
export function checkPosSettings(settings: PosSettings): PosSettings {
  const out: PosSettings = { ...settings };
  if (settings.name !== undefined && !settings.name.trim()) throw new InputError('POS name must not be empty');
  if (settings.currency !== undefined) {
    out.currency = settings.currency.toUpperCase();
    if (!isCurrency(out.currency)) throw new InputError(`currency "${settings.currency}" is not an ISO 4217 code`);
  }
  if (settings.countries !== undefined) {
    out.countries = settings.countries.map((c) => c.trim().toUpperCase());
    const bad = out.countries.find((c) => !isCountry(c));
    if (bad !== undefined || out.countries.length === 0) throw new InputError(`country "${bad ?? ''}" is not an ISO 3166-1 alpha-2 code`);
  }
  if (settings.languages !== undefined) {
    out.languages = settings.languages.map((l) => normaliseLanguage(l) ?? fail(`language "${l}" is not a two-letter code`));
    if (out.languages.length === 0) throw new InputError('a POS needs at least one language');
  }
  if (settings.descriptionLanguage !== undefined) {
    out.descriptionLanguage = normaliseLanguage(settings.descriptionLanguage) ?? fail(`description language "${settings.descriptionLanguage}" is not a two-letter code`);
  }
  for (const key of ['publishers', 'categories', 'refs'] as const) {
    const ids = settings[key];
    if (ids !== undefined && ids.some((id) => !Number.isInteger(id) || id < 1 || id >= 2 ** 31)) {
      throw new InputError(`${key} must be positive whole numbers`);
    }
  }
  if (settings.cancelWindowDays !== undefined && (!Number.isInteger(settings.cancelWindowDays) || settings.cancelWindowDays < 0 || settings.cancelWindowDays > 3650)) {
    throw new InputError('cancel window must be a whole number of days from 0 to 3650');
  }
  if (settings.vatPolicy !== undefined && settings.vatPolicy !== 'record' && settings.vatPolicy !== 'strict') {
    throw new InputError('VAT policy must be strict or record');
  }
  if (settings.rateLimit !== undefined && settings.rateLimit !== null && (!Number.isInteger(settings.rateLimit) || settings.rateLimit < 1)) {
    throw new InputError('rate limit must be a positive whole number of requests per second');
  }
  return out;
}

function fail(message: string): never {
  throw new InputError(message);
}

/**
 * An allow-list entry in canonical form: a fixed IPv4/IPv6 address or a CIDR range. Host names and
 * anything else are refused with InputError.
 */
export function parseAllowListEntry(entry: string): string {
  const value = entry.trim();
  try {
    if (value.includes('/')) {
      const [address, bits] = ipaddr.parseCIDR(value);
      return `${address.toString()}/${bits}`;
    }
    if (ipaddr.isValid(value)) return ipaddr.parse(value).toString();
  } catch {
    // fall through to the refusal below
  }
  throw new InputError(`"${value}" is not an IP address or CIDR range (host names are not accepted)`);
}

/** Whether a caller IP passes a POS allow-list (an empty list lets everyone through). */
export function isIpAllowed(allowList: readonly string[], callerIp: string): boolean {
  if (allowList.length === 0) return true;
  let caller: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    caller = ipaddr.process(callerIp);
  } catch {
    return false;
  }
  return allowList.some((entry) => {
    if (!entry.includes('/')) return ipaddr.process(entry).toString() === caller.toString();
    const [range, bits] = ipaddr.parseCIDR(entry);
    const normalised = range.kind() === 'ipv6' && (range as ipaddr.IPv6).isIPv4MappedAddress() ? (range as ipaddr.IPv6).toIPv4Address() : range;
    return caller.kind() === normalised.kind() && caller.match(normalised, normalised.kind() === range.kind() ? bits : bits - 96);
  });
}
