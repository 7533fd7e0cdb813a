import { sql, type ExpressionBuilder, type Insertable, type Selectable } from 'kysely';
import type { Database, SubscriptionsTable, Tx } from '../../db/schema.js';

export type SubscriptionRow = Selectable<SubscriptionsTable>;

/**
 * A subscription row locked for a change, with how many subscriptions its order started: a renewal
 * order's number depends on it, and reading it with the lock saves a round trip per renewal.
 */
export type LockedSubscription = SubscriptionRow & { order_subscriptions: number };

function orderSubscriptions(eb: ExpressionBuilder<Database, 'subscriptions'>) {
  return eb.selectFrom('subscriptions as of_order').select((counted) => counted.fn.countAll<number>().as('n'))
    .whereRef('of_order.order_number', '=', 'subscriptions.order_number')
    .$asScalar().$notNull().as('order_subscriptions');
}

/** A subscription's row locked by a no-op UPDATE … RETURNING (it locks on both engines), with its order's count. */
function lockById(tx: Tx, subscriptionId: number) {
  return tx.updateTable('subscriptions')
    .set((eb) => ({ status: eb.ref('status') }))
    .where('subscription_id', '=', subscriptionId)
    .returningAll()
    .returning(orderSubscriptions);
}

/**
 * A partner's subscription by its original order's partnerOrderNumber and id, with its row locked
 * until the transaction ends (a no-op UPDATE … RETURNING locks on both engines): a renew call and a
 * worker, or two calls, take turns and each sees what the other committed.
 */
export async function lockSubscription(tx: Tx, partnerId: number, partnerOrderNumber: string, subscriptionId: number): Promise<LockedSubscription | undefined> {
  return lockById(tx, subscriptionId)
    .where('partner_id', '=', partnerId)
    .where('partner_order_number', '=', partnerOrderNumber)
    .executeTakeFirst();
}

export async function findSubscription(tx: Tx, partnerId: number, partnerOrderNumber: string, subscriptionId: number): Promise<SubscriptionRow | undefined> {
  return tx.selectFrom('subscriptions').selectAll()
    .where('subscription_id', '=', subscriptionId)
    .where('partner_id', '=', partnerId)
    .where('partner_order_number', '=', partnerOrderNumber)
    .executeTakeFirst();
}

/**
 * Locks one subscription the worker leased (leaseDueSubscriptions), waiting for whoever holds it: a
 * partner's renew call, or another worker's lease statement that looked at the row and passed it by
 * (skipping instead would leave the subscription to nobody). Undefined when it no longer exists.
 * SQLite has a single writer, but another process (the server beside `resell renew`) may commit
 * between a read and the first write of a deferred transaction, which then fails at once
 * (SQLITE_BUSY_SNAPSHOT) instead of waiting: a no-op UPDATE … RETURNING takes the write lock first,
 * waiting out the busy timeout.
 */
export async function claimForWorker(tx: Tx, subscriptionId: number, postgres: boolean): Promise<LockedSubscription | undefined> {
  if (postgres) {
    return tx.selectFrom('subscriptions').selectAll('subscriptions').select(orderSubscriptions)
      .where('subscription_id', '=', subscriptionId).forUpdate().executeTakeFirst();
  }
  return lockById(tx, subscriptionId).executeTakeFirst();
}

/**
 * Leases to the calling worker, until `until`, up to `limit` subscriptions with work due at `now`
 * (renewal, retry, expiry) and an id above `afterId` that no worker holds (no lease, or one that
 * ended by `now` or ends after `until`), and returns their ids in order. A lease only keeps other
 * workers away (each unit still locks its row, and a term renews once whatever happens): should a
 * worker stop, what it held is due again once the lease ends. On PostgreSQL rows another worker is
 * leasing at that moment are skipped rather than waited for.
 */
export async function leaseDueSubscriptions(tx: Tx, { now, until, afterId, limit }: { now: string; until: string; afterId: number; limit: number }, postgres: boolean): Promise<number[]> {
  let due = tx.selectFrom('subscriptions').select('subscription_id')
    .where('subscription_id', '>', afterId)
    .where((eb) => eb.or([
      eb.and([eb('status', 'in', ['ACTIVE', 'CANCELLED']), eb('expiration_at', '<=', now)]),
      eb.and([eb('status', '=', 'RENEWAL_FAILED'), eb.or([eb('next_attempt_at', '<=', now), eb('grace_ends_at', '<=', now)])]),
    ]))
    // A lease ending after `until` was not taken at this now (a `resell renew --now` run ahead of the
    // clock left it): it holds nothing.
    .where((eb) => eb.or([eb('worker_lease_until', 'is', null), eb('worker_lease_until', '<=', now), eb('worker_lease_until', '>', until)]))
    .orderBy('subscription_id')
    .limit(limit);
  if (postgres) due = due.forUpdate().skipLocked();
  const leased = await tx.updateTable('subscriptions').set({ worker_lease_until: until }).where('subscription_id', 'in', due)
    .returning('subscription_id').execute();
  return leased.map((r) => r.subscription_id).sort((a, b) => a - b);
}

/** Ends the worker's lease of subscriptions it has worked on: the next run may take them again. */
export async function endLeases(tx: Tx, ids: readonly number[]): Promise<void> {
  await tx.updateTable('subscriptions').set({ worker_lease_until: null }).where('subscription_id', 'in', ids).execute();
}

/** Rows per statement when an order's subscriptions start: 19 values a row, within both engines' limits. */
const STARTED_PER_STATEMENT = 500;

/**
 * Inserts new subscriptions and ties each to its line item: two statements per 500 whatever the
 * order's units (one insert, one update), not two per unit. Returns their ids by line item.
 */
export async function insertSubscriptions(tx: Tx, rows: readonly Insertable<SubscriptionsTable>[]): Promise<Map<number, number>> {
  const started = new Map<number, number>();
  for (let at = 0; at < rows.length; at += STARTED_PER_STATEMENT) {
    const inserted = await tx.insertInto('subscriptions').values(rows.slice(at, at + STARTED_PER_STATEMENT))
      .returning(['subscription_id', 'line_item_id']).execute();
    // (PostgreSQL types a bare parameter of CASE as text: each id is cast.)
    const idOfItem = sql<number>`case ${sql.ref('id')} ${sql.join(inserted.map((r) => sql`when ${r.line_item_id} then cast(${r.subscription_id} as integer)`), sql` `)} end`;
    await tx.updateTable('line_items').set({ subscription_id: idOfItem }).where('id', 'in', inserted.map((r) => r.line_item_id)).execute();
    for (const r of inserted) started.set(r.line_item_id, r.subscription_id);
  }
  return started;
}
