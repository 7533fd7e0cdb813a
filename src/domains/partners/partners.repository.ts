import type { ExpressionBuilder, Selectable } from 'kysely';
import { prepareQuery } from '../../db/prepared.js';
import { findCacheVersion, renewCacheVersion } from '../../db/versions.js';
import type { Database, PartnersTable, PointsOfSaleTable, Tx } from '../../db/schema.js';
import type { Partner, PointOfSale, ProductList, VatPolicy } from './partner.js';

export function toPartner(row: Selectable<PartnersTable>): Partner {
  return { id: row.id, name: row.name, realmName: row.realm_name, suspended: row.suspended === 1, webhookUrl: row.webhook_url };
}

export function toPointOfSale(row: Selectable<PointsOfSaleTable>): PointOfSale {
  return {
    id: row.id,
    partnerId: row.partner_id,
    name: row.name,
    currency: row.currency,
    countries: JSON.parse(row.countries) as string[],
    languages: JSON.parse(row.languages) as string[],
    descriptionLanguage: row.description_language,
    productList: JSON.parse(row.product_list) as ProductList,
    ipAllowList: JSON.parse(row.ip_allow_list) as string[],
    cancelWindowDays: row.cancel_window_days,
    vatPolicy: row.vat_policy as VatPolicy,
    rateLimit: row.rate_limit,
    suspended: row.suspended === 1,
  };
}

/** The POS columns of a domain POS (without id), as stored. */
export function posColumns(pos: Omit<PointOfSale, 'id'>) {
  return {
    partner_id: pos.partnerId,
    name: pos.name,
    currency: pos.currency,
    countries: JSON.stringify(pos.countries),
    languages: JSON.stringify(pos.languages),
    description_language: pos.descriptionLanguage,
    product_list: JSON.stringify(pos.productList),
    ip_allow_list: JSON.stringify(pos.ipAllowList),
    cancel_window_days: pos.cancelWindowDays,
    vat_policy: pos.vatPolicy,
    rate_limit: pos.rateLimit,
    suspended: pos.suspended ? 1 : 0,
  };
}

export async function findPartner(tx: Tx, id: number): Promise<Partner | undefined> {
  const row = await tx.selectFrom('partners').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toPartner(row);
}

export async function findPartnerByRealm(tx: Tx, realmName: string): Promise<Partner | undefined> {
  const row = await tx.selectFrom('partners').selectAll().where('realm_name', '=', realmName).executeTakeFirst();
  return row && toPartner(row);
}

export async function findPointOfSale(tx: Tx, id: number): Promise<PointOfSale | undefined> {
  const row = await tx.selectFrom('points_of_sale').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toPointOfSale(row);
}

export async function listPointsOfSale(tx: Tx, partnerId: number): Promise<PointOfSale[]> {
  const rows = await tx.selectFrom('points_of_sale').selectAll().where('partner_id', '=', partnerId).orderBy('id').execute();
  return rows.map(toPointOfSale);
}

/** A secret is valid while it has no end, or its overlap has not ended yet. */
function stillValid(now: Date) {
  const at = now.toISOString();
  return (eb: ExpressionBuilder<Database, 'client_secrets'>) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]);
}

/** The valid client secret with this digest, if any. */
export async function findValidClientSecret(tx: Tx, digest: string, now: Date): Promise<{ id: number; partnerId: number } | undefined> {
  const row = await tx.selectFrom('client_secrets').select(['id', 'partner_id']).where('digest', '=', digest).where(stillValid(now)).executeTakeFirst();
  return row && { id: row.id, partnerId: row.partner_id };
}

export async function isClientSecretValid(tx: Tx, id: number, now: Date): Promise<boolean> {
  const row = await tx.selectFrom('client_secrets').select('id').where('id', '=', id).where(stillValid(now)).executeTakeFirst();
  return row !== undefined;
}

/** The POS (with its partner) whose valid secret has this digest. */
export async function findPosBySecretDigest(tx: Tx, digest: string, now: Date): Promise<{ pos: PointOfSale; partner: Partner } | undefined> {
  const row = await tx.selectFrom('pos_secrets as s')
    .innerJoin('points_of_sale as p', 'p.id', 's.pos_id')
    .innerJoin('partners as r', 'r.id', 'p.partner_id')
    .selectAll('p')
    .select(['r.name as partner_name', 'r.realm_name', 'r.suspended as partner_suspended', 'r.webhook_url', 'r.created_at as partner_created_at'])
    .where('s.digest', '=', digest)
    .where((eb) => eb.or([eb('s.expires_at', 'is', null), eb('s.expires_at', '>', now.toISOString())]))
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    pos: toPointOfSale(row),
    partner: { id: row.partner_id, name: row.partner_name, realmName: row.realm_name, suspended: row.partner_suspended === 1, webhookUrl: row.webhook_url },
  };
}

/** The version of partners, POS and their secrets: renewed by every change of what authenticates a call. */
export const findPartnersVersion = (tx: Tx): Promise<string> => findCacheVersion(tx, 'partners.version');

/** Marks partners, POS or secrets changed (in the changing transaction): remembered callers are dropped. */
export const bumpPartnersVersion = (tx: Tx): Promise<void> => renewCacheVersion(tx, 'partners.version');

// Every partner API call runs it: compiled once.
const callCredentials = prepareQuery((db, { clientSecretId, posDigest, at }: { clientSecretId: number; posDigest: string; at: string }) => db
  .selectFrom('client_secrets as c')
  .leftJoin('pos_secrets as s', (join) => join
    .on('s.digest', '=', posDigest)
    .on((eb) => eb.or([eb('s.expires_at', 'is', null), eb('s.expires_at', '>', at)])))
  .leftJoin('points_of_sale as p', 'p.id', 's.pos_id')
  .leftJoin('partners as r', 'r.id', 'p.partner_id')
  .selectAll('p')
  .select(['r.name as partner_name', 'r.realm_name', 'r.suspended as partner_suspended', 'r.webhook_url', 'c.expires_at as client_secret_expires_at', 's.expires_at as pos_secret_expires_at'])
  .where('c.id', '=', clientSecretId)
  .where((eb) => eb.or([eb('c.expires_at', 'is', null), eb('c.expires_at', '>', at)])));

/** A caller's credentials as found: the POS and partner, and the time (ms) when the first of its two secrets expires. */
export type CallCredentials = { caller: { pos: PointOfSale; partner: Partner } | undefined; validUntil: number };

/**
 * What a Connect call's credentials stand for, in one query: whether the client secret of its JWT is
 * still valid (undefined when not), and the POS (with its partner) of the POS secret's digest, if any.
 */
export async function findCallCredentials(tx: Tx, clientSecretId: number, posDigest: string, now: Date): Promise<CallCredentials | undefined> {
  const row = await callCredentials.executeTakeFirst(tx, { clientSecretId, posDigest, at: now.toISOString() });
  if (!row) return undefined;
  const expiry = (at: string | null) => (at === null ? Number.POSITIVE_INFINITY : Date.parse(at));
  const validUntil = Math.min(expiry(row.client_secret_expires_at), expiry(row.pos_secret_expires_at));
  if (row.id === null || row.partner_name === null) return { caller: undefined, validUntil };
  const pos = toPointOfSale(row as Selectable<PointsOfSaleTable>);
  return { caller: { pos, partner: { id: pos.partnerId, name: row.partner_name, realmName: row.realm_name!, suspended: row.partner_suspended === 1, webhookUrl: row.webhook_url } }, validUntil };
}

/** Ends the overlap of every current secret of an owner: they stay valid until `until` (now = at once). */
export async function expireCurrentSecrets(tx: Tx, table: 'client_secrets' | 'pos_secrets', owner: number, until: Date): Promise<void> {
  const ownerColumn = table === 'client_secrets' ? 'partner_id' : 'pos_id';
  await tx.updateTable(table).set({ expires_at: until.toISOString() }).where(ownerColumn, '=', owner).where('expires_at', 'is', null).execute();
  // A secret still inside an earlier overlap must not outlive the new cut-off.
  await tx.updateTable(table).set({ expires_at: until.toISOString() }).where(ownerColumn, '=', owner).where('expires_at', '>', until.toISOString()).execute();
}
