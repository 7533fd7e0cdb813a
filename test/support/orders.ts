import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { connectCall, type TestPartner } from './test-app.js';

// createOrder bodies for tests (connect-api.md §6): a valid body whose every part can be replaced,
// so a test states only what it is about.

export type Json = Record<string, unknown>;

/**
 * The demo catalog's products (demo/catalog.json) by delivery case, for tests that load it with
 * loadDemoCatalog / loadDemoKeys.
 */
export const DEMO_REFS = {
  /** Nimbus Office Home: one pooled key per unit, two local files, options 900001–900003. */
  pooledSerial: 710001,
  /** Nimbus Office Professional: pooled key, EUR price only, five keys in the demo pool. */
  pooledSerialEurOnly: 710002,
  /** Starfall Raiders + Season Pass: two pooled keys per unit. */
  twoSerialsPerUnit: 720001,
  /** Iron Meridian: serial only (no file), activation remark with {orderNumber} and {email}. */
  activationRemark: 720002,
  /** Starfall Raiders II: pre-order, released 2030-03-15. */
  preOrder: 720003,
  /** Blue Heron Photo Studio: no serial, three local files. */
  downloadOnly: 730001,
  /** Blue Heron Sound Library: no serial, no file, a digital-locker link and a remark with {email}. */
  digitalLocker: 730002,
  /** Quietwave Shield Antivirus: yearly subscription, pooled key per term. */
  subscription: 740001,
  /** Quietwave VPN: monthly subscription, generated serial `QWVPN-XXXX-XXXX-XXXX`. */
  generatedSubscription: 740002,
  /** Tidy Disk Cleaner: generated serial `DEMO-XXXX-XXXX`, one file by origin URL. */
  generatedSerial: 750001,
  /** Nimbus Office Home 2024, end of life: exists for no POS. */
  endOfLife: 760001,
  /** Option: download extension P1Y (offered by 710001, 710002, 730001). */
  downloadExtension: 900001,
  /** Option: backup DVD (offered by 710001 and 730001); needs a delivery address. */
  backupDvd: 900002,
  /** Option: download DVD of Nimbus Softworks, a must-propose-DVD publisher; needs a delivery address. */
  downloadDvd: 900003,
} as const;

const RUN = randomBytes(3).toString('hex').toUpperCase();
let ponCount = 0;

/** A partnerOrderNumber no other call of this run uses: `<prefix>-<run>-<n>`. */
export function newPartnerOrderNumber(prefix = 'PON'): string {
  return `${prefix}-${RUN}-${++ponCount}`;
}

/** `base` with `overrides` applied; an override of `undefined` removes the key. */
function merged(base: Json, overrides: Json): Json {
  const out: Json = { ...base, ...overrides };
  for (const [key, value] of Object.entries(overrides)) if (value === undefined) delete out[key];
  return out;
}

/** A complete Location (Jane Doe, 1 rue de la Paix, 75002 Paris, FR) with `overrides` applied. */
export function location(overrides: Json = {}): Json {
  return merged({ lastName: 'Doe', firstName: 'Jane', address1: '1 rue de la Paix', zipCode: '75002', city: 'Paris', country: 'FR' }, overrides);
}

/** One order line: `quantity` units of `productRef`, plus any other line field. */
export function orderLine(productRef: number | string, quantity: number | string = 1, extra: Json = {}): Json {
  return merged({ productRef, quantity }, extra);
}

export type OrderBodyParts = {
  partnerOrderNumber?: string;
  /** Merged into the default customer (an `undefined` value removes the key). */
  customer?: Json;
  /** Any other top-level field, replaced as given (`undefined` removes it). */
  [field: string]: unknown;
};

/**
 * A valid createOrder body: a fresh partnerOrderNumber, orderDate 2026-06-15T12:00:00+02:00, EUR,
 * `lines` (a ref alone is one unit of it), and a customer jane.doe@example.com speaking fr_FR with an
 * invoice address in Paris; no payment, IP, discount or metadata. `parts` replaces what a test is about.
 */
export function orderBody(lines: readonly (number | Json)[], parts: OrderBodyParts = {}): Json {
  const { customer, ...rest } = parts;
  const defaultCustomer: Json = { email: 'jane.doe@example.com', language: 'fr_FR', locationInvoice: location() };
  return merged({
    partnerOrderNumber: newPartnerOrderNumber(),
    orderDate: '2026-06-15T12:00:00+02:00',
    currency: 'EUR',
    orderLines: lines.map((line) => (typeof line === 'number' ? orderLine(line) : line)),
    customer: merged(defaultCustomer, customer ?? {}),
  }, rest);
}

/** `body` with the value at `path` replaced (`undefined` removes it); `body` itself is not changed. */
export function withField(body: Json, path: readonly (string | number)[], value: unknown): Json {
  const copy = structuredClone(body);
  let node = copy as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

/** `POST /connect/order/new` as `partner`; `body` is sent as JSON unless it is a string. */
export function createOrder(server: FastifyInstance, partner: TestPartner, body: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse> {
  return connectCall(server, partner, { method: 'POST', url: '/connect/order/new', body, ...(headers && { headers }) });
}

/** `GET /connect/order/{partnerOrderNumber}` as `partner`. */
export function getOrderData(server: FastifyInstance, partner: TestPartner, partnerOrderNumber: string): Promise<LightMyRequestResponse> {
  return connectCall(server, partner, { method: 'GET', url: `/connect/order/${encodeURIComponent(partnerOrderNumber)}` });
}

/**
 * The exact answer of a refused createOrder (connect-api.md §10): the partnerOrderNumber echoed,
 * `orderNumber` null (the existing one for 1010), no lines, no download manager, and `code`.
 * The message is not compared.
 */
export function refusedOrder(partnerOrderNumber: string | null, code: number, orderNumber: number | null = null) {
  return { partnerOrderNumber, orderNumber, orderLines: [], downloadManager: null, responseCode: code, responseMessage: expect.any(String) };
}
