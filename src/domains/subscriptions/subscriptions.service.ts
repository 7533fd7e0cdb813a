import type { CompiledQuery } from 'kysely';
import { isUniqueViolation } from '../../db/errors.js';
import type { Tx } from '../../db/schema.js';
import type { UnitsOfWork } from '../../db/units-of-work.js';
import type { Clock } from '../../shared/clock.js';
import { Refusal } from '../../shared/errors.js';
import { fromMinor } from '../../shared/money.js';
import { recordAudit } from '../audit/index.js';
import type { CatalogReader, Product } from '../catalog/index.js';
import { eventInsert, raiseEvent } from '../events/index.js';
import { isPossibleOrderNumber, type OrdersService, type PlacedOrder, type RenewalOrder } from '../orders/index.js';
import type { Caller } from '../partners/index.js';
import {
  assertTransition, expirationOf, isClosed, renewalOrderNumber, renewOpensAt, RETRY_EVERY_MS, type SubscriptionStatus,
} from './subscription.js';
import {
  claimForWorker, endLeases, findSubscription, insertSubscriptions, leaseDueSubscriptions, lockSubscription, type LockedSubscription, type SubscriptionRow,
} from './subscriptions.repository.js';

export type SubscriptionsDeps = {
  clock: Clock;
  orders: Pick<OrdersService, 'placeRenewalOrder'>;
  catalog: CatalogReader;
  graceDays: number;
  /** PostgreSQL: workers lease rows with FOR UPDATE SKIP LOCKED and lock each with FOR UPDATE. */
  rowLocks: boolean;
};

/** A subscription as getSubscriptionStatus answers it (without the code keys). */
export type SubscriptionStatusAnswer = {
  partnerOrderNumber: string;
  subscriptionId: number;
  productRef: number;
  period: string;
  generation: number;
  technicalStatus: SubscriptionStatus;
  autoRenew: boolean;
  creation_datetime: string;
  update_datetime: string;
  expiration_datetime: string;
  next_status_change_datetime: string | null;
  currentPartnerOrderNumber: string;
  currency: string;
  amount: number | null;
};

export type RenewalAnswer = { partnerOrderNumber: string; subscriptionId: number; orderNumber: number; generation: number; expiration_datetime: string };

/** What one run of the renewal job did. */
export type RenewalRun = { renewed: number; failed: number; expired: number };

/** Wire date-time: ISO 8601 UTC without milliseconds (`2026-01-31T10:00:00Z`). */
export function wireDateTime(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, 'Z');
}

/** The term's product could not be delivered (no key in stock, no longer priced): the renewal failed. */
class RenewalUnavailable extends Error {}

/** Subscriptions the worker handles at once. */
const WORK_IN_FLIGHT = 64;

/**
 * How long a worker holds the due subscriptions it took: far longer than their work takes, and what a
 * stopped worker's subscriptions wait before another worker takes them.
 */
const WORKER_LEASE_MS = 10 * 60_000;

/** Subscriptions: started by orders, renewed exactly once per term by the worker or the partner, cancelled, expired. */
export function subscriptionsService({ clock, orders, catalog, graceDays, rowLocks }: SubscriptionsDeps) {
  /** The update that moves a subscription to `to` with `changes`; throws when the transition is not allowed. */
  function statusUpdate(tx: Tx, row: SubscriptionRow, to: SubscriptionStatus, changes: Partial<SubscriptionRow> = {}): CompiledQuery {
    assertTransition(row.status as SubscriptionStatus, to);
    return tx.updateTable('subscriptions').set({ ...changes, status: to, updated_at: clock.now().toISOString() })
      .where('subscription_id', '=', row.subscription_id).compile();
  }

  async function setStatus(tx: Tx, row: SubscriptionRow, to: SubscriptionStatus, changes: Partial<SubscriptionRow> = {}): Promise<void> {
    await tx.executeQuery(statusUpdate(tx, row, to, changes));
  }

  /** Renewal price of the next term in the subscription's currency, or undefined when the product has none. */
  function renewalMinor(product: Product | undefined, currency: string): number | undefined {
    const price = product?.prices.find((p) => p.currency === currency);
    return price && (price.renewal ?? price.sale);
  }

  /**
   * Renews the next term of a locked subscription in the caller's transaction: the term row (unique
   * per subscription and generation: a second renewal of the same term fails here), the renewal order,
   * the new expiration one period after the old one, ACTIVE again, `subscription.renewed`.
   * Throws RenewalUnavailable (no stock, no price) and a unique violation when the term is taken.
   */
  async function renewTerm(tx: Tx, row: LockedSubscription): Promise<RenewalAnswer> {
    const now = clock.now();
    const generation = row.generation + 1;
    const product = (await catalog.findProducts(tx, [row.product_ref])).get(row.product_ref);
    const price = product?.prices.find((p) => p.currency === row.currency);
    const endUserMinor = renewalMinor(product, row.currency);
    if (!product || !price || endUserMinor === undefined) throw new RenewalUnavailable();
    const expiration = expirationOf(new Date(row.anchor_at), row.period, generation).toISOString();
    // The term row, the subscription's new state and its event go in the order's statement.
    const renewedBy = ({ orderNumber, partnerOrderNumber }: RenewalOrder): CompiledQuery[] => {
      const changes = { generation, expiration_at: expiration, current_order_number: orderNumber, current_partner_order_number: partnerOrderNumber, grace_ends_at: null, next_attempt_at: null };
      return [
        tx.insertInto('subscription_terms').values({ subscription_id: row.subscription_id, generation, order_number: orderNumber, created_at: now.toISOString() }).compile(),
        row.status === 'RENEWAL_FAILED'
          ? statusUpdate(tx, row, 'ACTIVE', changes)
          : tx.updateTable('subscriptions').set({ ...changes, updated_at: now.toISOString() }).where('subscription_id', '=', row.subscription_id).compile(),
        eventInsert(tx, now, {
          type: 'subscription.renewed', partnerId: row.partner_id,
          data: { subscriptionId: row.subscription_id, partnerOrderNumber: row.partner_order_number, generation, orderNumber, renewalPartnerOrderNumber: partnerOrderNumber, expiration: wireDateTime(expiration) },
        }).insert,
      ];
    };
    let renewal: RenewalOrder;
    try {
      renewal = await orders.placeRenewalOrder(tx, {
        partnerId: row.partner_id, posId: row.pos_id, originalOrderNumber: row.order_number,
        // `{pon}-{generation}`; the partner may have used it for an order of its own: the long form is unique.
        partnerOrderNumber: {
          preferred: renewalOrderNumber(row.partner_order_number, row.subscription_id, generation, row.order_subscriptions),
          fallback: renewalOrderNumber(row.partner_order_number, row.subscription_id, generation, 2),
        },
        product: { ...product, retailerMinor: price.retailer }, endUserMinor, currency: row.currency, subscriptionId: row.subscription_id,
        keepSerialsOf: product.delivery.newSerialEachTerm ? undefined : row.line_item_id,
        alsoWrite: renewedBy,
      });
    } catch (error) {
      if (error instanceof Refusal && error.code === 1044) throw new RenewalUnavailable();
      throw error;
    }
    const { orderNumber, partnerOrderNumber } = renewal;
    return { partnerOrderNumber, subscriptionId: row.subscription_id, orderNumber, generation, expiration_datetime: wireDateTime(expiration) };
  }

  /** A failed automatic renewal: RENEWAL_FAILED with its grace period, or the next attempt planned. */
  async function recordFailure(tx: Tx, row: SubscriptionRow): Promise<void> {
    const now = clock.now();
    const nextAttempt = new Date(now.getTime() + RETRY_EVERY_MS).toISOString();
    if (row.status === 'RENEWAL_FAILED') {
      await tx.updateTable('subscriptions').set({ next_attempt_at: nextAttempt, updated_at: now.toISOString() }).where('subscription_id', '=', row.subscription_id).execute();
      return;
    }
    const graceEnds = new Date(new Date(row.expiration_at).getTime() + graceDays * 86_400_000).toISOString();
    await setStatus(tx, row, 'RENEWAL_FAILED', { grace_ends_at: graceEnds, next_attempt_at: nextAttempt });
    await raiseEvent(tx, now, { type: 'subscription.renewal_failed', partnerId: row.partner_id, data: { subscriptionId: row.subscription_id, partnerOrderNumber: row.partner_order_number, graceEndsAt: wireDateTime(graceEnds) } });
  }

  async function expire(tx: Tx, row: SubscriptionRow): Promise<void> {
    await setStatus(tx, row, 'EXPIRED', { grace_ends_at: null, next_attempt_at: null });
    await raiseEvent(tx, clock.now(), { type: 'subscription.expired', partnerId: row.partner_id, data: { subscriptionId: row.subscription_id, partnerOrderNumber: row.partner_order_number } });
  }

  /** Whether the worker should renew (or retry renewing) this subscription's next term at `now`. */
  function isRenewalDue(row: SubscriptionRow, now: string): boolean {
    return (row.status === 'ACTIVE' && row.expiration_at <= now) || (row.status === 'RENEWAL_FAILED' && row.next_attempt_at !== null && row.next_attempt_at <= now);
  }

  /** The worker's work on one subscription, as its own unit of work; what it did, or undefined. */
  async function workOn(units: UnitsOfWork, subscriptionId: number): Promise<keyof RenewalRun | undefined> {
    try {
      return await units.run(async (tx) => {
        const row = await claimForWorker(tx, subscriptionId, rowLocks);
        const now = clock.now().toISOString();
        if (!row) return undefined;
        if (row.status === 'CANCELLED' && row.expiration_at <= now) return expire(tx, row).then(() => 'expired' as const);
        if (row.status === 'RENEWAL_FAILED' && row.grace_ends_at !== null && row.grace_ends_at <= now) return expire(tx, row).then(() => 'expired' as const);
        if (!isRenewalDue(row, now)) return undefined;
        await renewTerm(tx, row);
        return 'renewed' as const;
      });
    } catch (error) {
      // Another worker or a partner's call renewed this term first: nothing left to do here.
      if (isUniqueViolation(error)) return undefined;
      if (!(error instanceof RenewalUnavailable)) throw error;
      // The renewal rolled back whole; record the failure in a unit of its own.
      return units.run(async (tx) => {
        const row = await claimForWorker(tx, subscriptionId, rowLocks);
        // Between the two transactions a partner's call may have renewed or cancelled it: only a term still due fails.
        if (!row || !isRenewalDue(row, clock.now().toISOString())) return undefined;
        await recordFailure(tx, row);
        return 'failed' as const;
      });
    }
  }

  return {
    /** Placement hook: one ACTIVE subscription per unit of a subscription product, generation 0; returns them by line item. */
    async startSubscriptions(tx: Tx, order: PlacedOrder): Promise<Map<number, number>> {
      const at = order.receivedAt.toISOString();
      return insertSubscriptions(tx, order.units.flatMap((unit) => {
        const period = unit.product.subscription?.period;
        return period ? [{
          partner_id: order.partnerId, pos_id: order.posId, order_number: order.orderNumber, partner_order_number: order.partnerOrderNumber,
          line_item_id: unit.lineItemId, product_ref: unit.product.ref, currency: order.currency, period, anchor_at: at, generation: 0,
          status: 'ACTIVE', expiration_at: expirationOf(order.receivedAt, period, 0).toISOString(), current_order_number: order.orderNumber,
          current_partner_order_number: order.partnerOrderNumber, grace_ends_at: null, next_attempt_at: null, created_at: at, updated_at: at,
        }] : [];
      }));
    },

    /** getSubscriptionStatus; Refusal(1010) when the partner has no such subscription under that original order. */
    async getStatus(tx: Tx, partnerId: number, partnerOrderNumber: string, subscriptionId: number): Promise<SubscriptionStatusAnswer> {
      const row = isPossibleOrderNumber(partnerOrderNumber) ? await findSubscription(tx, partnerId, partnerOrderNumber, subscriptionId) : undefined;
      if (!row) throw new Refusal(1010);
      const status = row.status as SubscriptionStatus;
      const over = status === 'EXPIRED' || status === 'TERMINATED';
      const product = over ? undefined : (await catalog.findProducts(tx, [row.product_ref])).get(row.product_ref);
      const amount = renewalMinor(product, row.currency);
      return {
        partnerOrderNumber: row.partner_order_number,
        subscriptionId: row.subscription_id,
        productRef: row.product_ref,
        period: row.period,
        generation: row.generation,
        technicalStatus: status,
        autoRenew: status === 'ACTIVE',
        creation_datetime: wireDateTime(row.created_at),
        update_datetime: wireDateTime(row.updated_at),
        expiration_datetime: wireDateTime(row.expiration_at),
        next_status_change_datetime: over ? null : wireDateTime(status === 'RENEWAL_FAILED' ? row.grace_ends_at! : row.expiration_at),
        currentPartnerOrderNumber: row.current_partner_order_number,
        currency: row.currency,
        amount: over || amount === undefined ? null : fromMinor(amount, row.currency),
      };
    },

    /**
     * cancelSubscription: ACTIVE → CANCELLED (licence active until expiration, no renewal);
     * RENEWAL_FAILED → EXPIRED at once. Refusal 1010 not found, 1011 already cancelled, expired or terminated.
     */
    async cancelSubscription(tx: Tx, caller: Caller, partnerOrderNumber: string, subscriptionId: number): Promise<{ orderNumber: number }> {
      const row = isPossibleOrderNumber(partnerOrderNumber) ? await lockSubscription(tx, caller.partner.id, partnerOrderNumber, subscriptionId) : undefined;
      if (!row) throw new Refusal(1010);
      if (isClosed(row.status as SubscriptionStatus)) throw new Refusal(1011);
      const now = clock.now();
      if (row.status === 'RENEWAL_FAILED') await expire(tx, row);
      else await setStatus(tx, row, 'CANCELLED');
      await raiseEvent(tx, now, { type: 'subscription.cancelled', partnerId: row.partner_id, data: { subscriptionId, partnerOrderNumber } });
      await recordAudit(tx, now, { actor: `partner:${caller.partner.id}`, action: 'subscription.cancelled', subject: `subscription:${subscriptionId}` });
      return { orderNumber: row.order_number };
    },

    /**
     * renewSubscription: renews now, from expiration − min(30 days, one period), or during the grace of
     * a failed renewal. Refusal 1010 not found, 1011 cancelled/expired/terminated (wins over 1013),
     * 1013 too early or term already renewed, 1044 out of stock.
     */
    async renewByPartner(tx: Tx, caller: Caller, partnerOrderNumber: string, subscriptionId: number): Promise<RenewalAnswer> {
      const row = isPossibleOrderNumber(partnerOrderNumber) ? await lockSubscription(tx, caller.partner.id, partnerOrderNumber, subscriptionId) : undefined;
      if (!row) throw new Refusal(1010);
      const now = clock.now();
      if (isClosed(row.status as SubscriptionStatus)) throw new Refusal(1011);
      if (row.status === 'RENEWAL_FAILED' && row.grace_ends_at !== null && row.grace_ends_at <= now.toISOString()) throw new Refusal(1011);
      if (row.status === 'ACTIVE' && now < renewOpensAt(new Date(row.expiration_at), row.period)) throw new Refusal(1013);
      try {
        const renewed = await renewTerm(tx, row);
        await recordAudit(tx, now, { actor: `partner:${caller.partner.id}`, action: 'subscription.renewed', subject: `subscription:${subscriptionId}`, detail: { generation: renewed.generation } });
        return renewed;
      } catch (error) {
        if (error instanceof RenewalUnavailable) throw new Refusal(1044);
        throw error;
      }
    },

    /**
     * The worker's job: every due renewal, retry and expiry at the clock's now, each its own unit of
     * work, WORK_IN_FLIGHT at a time (they share commits on SQLite and connections on PostgreSQL),
     * leased first so that workers running side by side each take their own.
     */
    async runDue(units: UnitsOfWork): Promise<RenewalRun> {
      const run: RenewalRun = { renewed: 0, failed: 0, expired: 0 };
      let afterId = 0;
      for (;;) {
        const now = clock.now();
        const lease = { now: now.toISOString(), until: new Date(now.getTime() + WORKER_LEASE_MS).toISOString(), afterId, limit: WORK_IN_FLIGHT };
        const ids = await units.run((tx) => leaseDueSubscriptions(tx, lease, rowLocks));
        if (ids.length === 0) return run;
        const outcomes = await Promise.allSettled(ids.map((id) => workOn(units, id)));
        // Every unit has ended before the leases do, and they end even when one failed unexpectedly: the
        // run stops with that failure, and the rest of the batch is not kept from other workers until
        // the leases run out.
        await units.run((tx) => endLeases(tx, ids));
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') throw outcome.reason;
          if (outcome.value) run[outcome.value] += 1;
        }
        afterId = ids.at(-1)!;
      }
    },

    /** Cancellation hook: the subscriptions an order started or renewed end at once (TERMINATED). */
    async terminateForOrder(tx: Tx, orderNumber: number): Promise<void> {
      const rows = await tx.selectFrom('subscriptions').selectAll()
        .where((eb) => eb.or([eb('order_number', '=', orderNumber), eb('current_order_number', '=', orderNumber)])).execute();
      for (const row of rows) {
        if (row.status === 'EXPIRED' || row.status === 'TERMINATED') continue;
        await setStatus(tx, row, 'TERMINATED', { grace_ends_at: null, next_attempt_at: null });
      }
    },

    /** Cancellation hook (1030): whether a subscription of this order has renewed since the order. */
    async renewedAgainSince(tx: Tx, orderNumber: number): Promise<boolean> {
      const renewedOf = await tx.selectFrom('subscriptions').select('subscription_id')
        .where((eb) => eb.or([
          eb('order_number', '=', orderNumber),
          eb('subscription_id', 'in', eb.selectFrom('subscription_terms').select('subscription_id').where('order_number', '=', orderNumber)),
        ]))
        .where('current_order_number', '!=', orderNumber)
        .executeTakeFirst();
      return renewedOf !== undefined;
    },
  };
}

export type SubscriptionsService = ReturnType<typeof subscriptionsService>;
