import type { Tx } from '../../db/schema.js';
import type { Clock } from '../../shared/clock.js';
import { InputError, NotFound } from '../../shared/errors.js';
import { generateSecret } from '../../shared/ids.js';
import type { Keyring } from '../../shared/keyring.js';
import { recordAudit } from '../audit/index.js';
import { checkPosSettings, DEFAULT_POS, parseAllowListEntry, realmNameOf, type Partner, type PointOfSale, type PosSettings } from './partner.js';
import { bumpPartnersVersion, expireCurrentSecrets, findPartner, findPartnerByRealm, findPointOfSale, posColumns } from './partners.repository.js';

export type PartnersDeps = { keyring: Keyring; clock: Clock };

export type CreatedPartner = { partner: Partner; pos: PointOfSale; clientSecret: string; posSecret: string };

/** Partner and POS administration: creation, settings, secrets and allow-lists; every change audited. */
export function partnersService({ keyring, clock }: PartnersDeps) {
  async function storeSecret(tx: Tx, table: 'client_secrets' | 'pos_secrets', owner: number): Promise<string> {
    const secret = generateSecret();
    const now = clock.now().toISOString();
    if (table === 'client_secrets') {
      await tx.insertInto('client_secrets').values({ partner_id: owner, digest: keyring.digest(secret), created_at: now, expires_at: null }).execute();
    } else {
      await tx.insertInto('pos_secrets').values({ pos_id: owner, digest: keyring.digest(secret), created_at: now, expires_at: null }).execute();
    }
    await bumpPartnersVersion(tx);
    return secret;
  }

  async function getPartner(tx: Tx, id: number): Promise<Partner> {
    return (await findPartner(tx, id)) ?? Promise.reject(new NotFound(`partner ${id} does not exist`));
  }

  async function getPointOfSale(tx: Tx, id: number): Promise<PointOfSale> {
    return (await findPointOfSale(tx, id)) ?? Promise.reject(new NotFound(`POS ${id} does not exist`));
  }

  /** Creates a POS for a partner with defaults for every setting not given; returns it and its secret. */
  async function createPointOfSale(tx: Tx, partnerId: number, settings: PosSettings, actor: string): Promise<{ pos: PointOfSale; secret: string }> {
    const partner = await getPartner(tx, partnerId);
    const s = checkPosSettings(settings);
    const languages = s.languages ?? DEFAULT_POS.languages;
    const draft: Omit<PointOfSale, 'id'> = {
      partnerId: partner.id,
      name: s.name ?? `${partner.name} POS`,
      currency: s.currency ?? DEFAULT_POS.currency,
      countries: s.countries ?? DEFAULT_POS.countries,
      languages,
      descriptionLanguage: s.descriptionLanguage ?? languages[0]!,
      productList: { publishers: s.publishers ?? [], categories: s.categories ?? [], refs: s.refs ?? [] },
      ipAllowList: [],
      cancelWindowDays: s.cancelWindowDays ?? DEFAULT_POS.cancelWindowDays,
      vatPolicy: s.vatPolicy ?? DEFAULT_POS.vatPolicy,
      rateLimit: s.rateLimit ?? null,
      suspended: s.suspended ?? false,
    };
    const now = clock.now().toISOString();
    const row = await tx.insertInto('points_of_sale').values({ ...posColumns(draft), created_at: now, catalog_changed_at: now }).returning('id').executeTakeFirstOrThrow();
    const secret = await storeSecret(tx, 'pos_secrets', row.id);
    await recordAudit(tx, clock.now(), { actor, action: 'pos.created', subject: `pos:${row.id}`, detail: { partnerId, settings: s } });
    return { pos: { ...draft, id: row.id }, secret };
  }

  return {
    getPartner,
    getPointOfSale,
    createPointOfSale,

    /** Creates a partner (realm = slug of the name; InputError when taken) with one POS; secrets returned once. */
    async createPartner(tx: Tx, name: string, posSettings: PosSettings, actor: string): Promise<CreatedPartner> {
      const trimmed = name.trim();
      const realmName = realmNameOf(trimmed);
      if (!realmName.replace(/-/g, '')) throw new InputError('partner name must contain letters or digits');
      if (await findPartnerByRealm(tx, realmName)) throw new InputError(`realm "${realmName}" is already taken`);
      const row = await tx.insertInto('partners')
        .values({ name: trimmed, realm_name: realmName, suspended: 0, webhook_url: null, created_at: clock.now().toISOString() })
        .returning('id').executeTakeFirstOrThrow();
      const clientSecret = await storeSecret(tx, 'client_secrets', row.id);
      await recordAudit(tx, clock.now(), { actor, action: 'partner.created', subject: `partner:${row.id}`, detail: { name: trimmed, realmName } });
      const { pos, secret } = await createPointOfSale(tx, row.id, { name: `${trimmed} POS`, ...posSettings }, actor);
      return { partner: await getPartner(tx, row.id), pos, clientSecret, posSecret: secret };
    },

    /** Changes the given POS settings and keeps the others. */
    async updatePointOfSale(tx: Tx, posId: number, settings: PosSettings, actor: string): Promise<PointOfSale> {
      const current = await getPointOfSale(tx, posId);
      const s = checkPosSettings(settings);
      const next: PointOfSale = {
        ...current,
        ...(s.name !== undefined && { name: s.name }),
        ...(s.currency !== undefined && { currency: s.currency }),
        ...(s.countries !== undefined && { countries: s.countries }),
        ...(s.languages !== undefined && { languages: s.languages }),
        ...(s.descriptionLanguage !== undefined && { descriptionLanguage: s.descriptionLanguage }),
        ...(s.cancelWindowDays !== undefined && { cancelWindowDays: s.cancelWindowDays }),
        ...(s.vatPolicy !== undefined && { vatPolicy: s.vatPolicy }),
        ...(s.rateLimit !== undefined && { rateLimit: s.rateLimit }),
        ...(s.suspended !== undefined && { suspended: s.suspended }),
        productList: {
          publishers: s.publishers ?? current.productList.publishers,
          categories: s.categories ?? current.productList.categories,
          refs: s.refs ?? current.productList.refs,
        },
      };
      // A new currency or product list changes every row of the POS's feeds.
      const sells = (pos: PointOfSale) => JSON.stringify([pos.currency, pos.productList]);
      const catalogChanged = sells(next) !== sells(current) ? { catalog_changed_at: clock.now().toISOString() } : {};
      await tx.updateTable('points_of_sale').set({ ...posColumns(next), ...catalogChanged }).where('id', '=', posId).execute();
      await bumpPartnersVersion(tx);
      await recordAudit(tx, clock.now(), { actor, action: 'pos.updated', subject: `pos:${posId}`, detail: { settings: s } });
      return next;
    },

    /** Sets (or, with null, removes) a POS sale price override for a product, in minor units. */
    async setPosPrice(tx: Tx, posId: number, productRef: number, saleMinor: number | null, actor: string): Promise<void> {
      await getPointOfSale(tx, posId);
      await tx.deleteFrom('pos_prices').where('pos_id', '=', posId).where('product_ref', '=', productRef).execute();
      if (saleMinor !== null) await tx.insertInto('pos_prices').values({ pos_id: posId, product_ref: productRef, sale_minor: saleMinor }).execute();
      await tx.updateTable('points_of_sale').set({ catalog_changed_at: clock.now().toISOString() }).where('id', '=', posId).execute();
      await recordAudit(tx, clock.now(), { actor, action: 'pos.price_set', subject: `pos:${posId}`, detail: { productRef, saleMinor } });
    },

    /** Adds a fixed IP or CIDR range to a POS allow-list (InputError for anything else); returns the list. */
    async allowIp(tx: Tx, posId: number, entry: string, actor: string): Promise<string[]> {
      const pos = await getPointOfSale(tx, posId);
      const canonical = parseAllowListEntry(entry);
      const list = pos.ipAllowList.includes(canonical) ? pos.ipAllowList : [...pos.ipAllowList, canonical];
      await tx.updateTable('points_of_sale').set({ ip_allow_list: JSON.stringify(list) }).where('id', '=', posId).execute();
      await bumpPartnersVersion(tx);
      await recordAudit(tx, clock.now(), { actor, action: 'pos.ip_allowed', subject: `pos:${posId}`, detail: { entry: canonical } });
      return list;
    },

    /** Removes an entry from a POS allow-list; returns the list. */
    async disallowIp(tx: Tx, posId: number, entry: string, actor: string): Promise<string[]> {
      const pos = await getPointOfSale(tx, posId);
      const canonical = parseAllowListEntry(entry);
      const list = pos.ipAllowList.filter((e) => e !== canonical);
      await tx.updateTable('points_of_sale').set({ ip_allow_list: JSON.stringify(list) }).where('id', '=', posId).execute();
      await bumpPartnersVersion(tx);
      await recordAudit(tx, clock.now(), { actor, action: 'pos.ip_removed', subject: `pos:${posId}`, detail: { entry: canonical } });
      return list;
    },

    /**
     * Issues a new client secret; the current ones (and their tokens) stay valid for `overlapHours`
     * (0 revokes them at once). Returns the new secret, shown once.
     */
    async rotateClientSecret(tx: Tx, partnerId: number, overlapHours: number, actor: string): Promise<string> {
      await getPartner(tx, partnerId);
      await expireCurrentSecrets(tx, 'client_secrets', partnerId, new Date(clock.now().getTime() + overlapHours * 3_600_000));
      const secret = await storeSecret(tx, 'client_secrets', partnerId);
      await recordAudit(tx, clock.now(), { actor, action: 'partner.secret_rotated', subject: `partner:${partnerId}`, detail: { overlapHours } });
      return secret;
    },

    /** Issues a new POS secret; the current ones stay valid for `overlapHours`. Returns it, shown once. */
    async rotatePosSecret(tx: Tx, posId: number, overlapHours: number, actor: string): Promise<string> {
      await getPointOfSale(tx, posId);
      await expireCurrentSecrets(tx, 'pos_secrets', posId, new Date(clock.now().getTime() + overlapHours * 3_600_000));
      const secret = await storeSecret(tx, 'pos_secrets', posId);
      await recordAudit(tx, clock.now(), { actor, action: 'pos.secret_rotated', subject: `pos:${posId}`, detail: { overlapHours } });
      return secret;
    },

    /** Suspends or resumes a partner: a suspended partner's calls answer 71. */
    async setPartnerSuspended(tx: Tx, partnerId: number, suspended: boolean, actor: string): Promise<void> {
      await getPartner(tx, partnerId);
      await tx.updateTable('partners').set({ suspended: suspended ? 1 : 0 }).where('id', '=', partnerId).execute();
      await bumpPartnersVersion(tx);
      await recordAudit(tx, clock.now(), { actor, action: suspended ? 'partner.suspended' : 'partner.resumed', subject: `partner:${partnerId}` });
    },
  };
}

export type PartnersService = ReturnType<typeof partnersService>;
