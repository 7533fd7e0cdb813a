import type { Tx } from '../../db/schema.js';
import { utcDate, type Clock } from '../../shared/clock.js';
import { Refusal } from '../../shared/errors.js';
import { recordAudit } from '../audit/index.js';
import { raiseEvent } from '../events/index.js';
import { DEFAULT_POS, findPointOfSale, type Caller } from '../partners/index.js';
import type { OrderStatus } from './order.js';
import {
  CANCELLABLE_SHIPMENT_STATUSES, cancelRefusal, newDownloadEnd,
  type CancelReason, type DownloadValue,
} from './order-changes.js';
import { insertLedgerEntry, lockOrder } from './orders.repository.js';

/**
 * What other domains add to an order's cancellation, wired by the composition root (orders do not
 * import them): the subscriptions of a renewal order say whether it may still be cancelled (1030), and
 * terminate when their order is cancelled.
 */
export type OrderCancellationHooks = {
  /** Whether a renewal order's subscription has renewed again since that order. */
  renewedAgainSince(tx: Tx, renewalOrderNumber: number): Promise<boolean>;
  /** Runs in the cancellation's transaction, after the order is cancelled. */
  orderCancelled(tx: Tx, orderNumber: number, at: Date): Promise<void>;
};

export type OrderChangesDeps = { clock: Clock; hooks: OrderCancellationHooks };

/** cancelOrder's request once its fields passed their format checks (110, 100, 101). */
export type CancelOrderInput = { partnerOrderNumber: string; reasonCode: CancelReason; comment: string | null };

/** updateDownloadTime's request once its fields passed their format checks (100, 110, 111). */
export type UpdateDownloadTimeInput = { partnerOrderNumber: string; value: DownloadValue };

/** What both changes answer: the order, and the last day its downloads work (the cancellation date once cancelled). */
export type ChangedOrder = { orderNumber: number; partnerOrderNumber: string; downloadEndsOn: string };

/** Changes a partner makes to an order after placing it: cancelling it, moving its download end. */
export function orderChangesService({ clock, hooks }: OrderChangesDeps) {
  return {
    /**
     * cancelOrder: within the cancel window of the order's POS, cancels the order in the caller's
     * transaction: status, date, reason and comment; downloads end today (UTC); keys stay assigned;
     * unshipped shipments are cancelled; a credit note reverses the order's ledger entries;
     * `order.cancelled` event and audit entry. Throws Refusal 1010 not found (or another partner's),
     * 1011 already cancelled, 1020 cancel period expired, 1030 unauthorized cancel.
     */
    async cancelOrder(tx: Tx, caller: Caller, input: CancelOrderInput): Promise<ChangedOrder> {
      const now = clock.now();
      const order = await lockOrder(tx, caller.partner.id, input.partnerOrderNumber);
      if (!order) throw new Refusal(1010);
      // The window is the one of the POS that took the order, whichever POS of the partner calls.
      const pos = await findPointOfSale(tx, order.pos_id);
      const renewedAgain = await hooks.renewedAgainSince(tx, order.order_number);
      const refused = cancelRefusal(
        { status: order.status as OrderStatus, receivedAt: new Date(order.received_at) },
        pos?.cancelWindowDays ?? DEFAULT_POS.cancelWindowDays, now, renewedAgain,
      );
      if (refused !== undefined) throw new Refusal(refused);

      const cancelledOn = utcDate(now);
      await tx.updateTable('orders').set({
        status: 'cancelled',
        cancelled_at: now.toISOString(),
        cancel_reason: input.reasonCode,
        cancel_comment: input.comment,
        // Links stop at once (downloads check the status); the window's end becomes the cancellation date.
        download_ends_on: cancelledOn,
      }).where('order_number', '=', order.order_number).execute();
      // Keys are revoked, not returned to the pool: serial_keys rows keep their line item.
      await hooks.orderCancelled(tx, order.order_number, now);
      await tx.updateTable('shipments').set({ status: 'cancelled' })
        .where('order_number', '=', order.order_number).where('status', 'in', [...CANCELLABLE_SHIPMENT_STATUSES]).execute();

      const entries = await tx.selectFrom('ledger_entries').select(['retailer_minor', 'end_user_minor'])
        .where('order_number', '=', order.order_number).execute();
      const retailer = entries.reduce((sum, e) => sum + Number(e.retailer_minor), 0);
      const endUser = entries.reduce((sum, e) => sum + Number(e.end_user_minor), 0);
      await insertLedgerEntry(tx, {
        partner_id: order.partner_id, pos_id: order.pos_id, order_number: order.order_number, kind: 'credit_note',
        currency: order.currency, retailer_minor: -retailer || 0, end_user_minor: -endUser || 0, at: now.toISOString(),
      });

      await raiseEvent(tx, now, {
        type: 'order.cancelled',
        partnerId: order.partner_id,
        data: {
          orderNumber: order.order_number, partnerOrderNumber: order.partner_order_number, posId: order.pos_id,
          reasonCode: input.reasonCode, cancelledAt: now.toISOString(),
        },
      });
      await recordAudit(tx, now, {
        actor: `partner:${caller.partner.id}`, action: 'order.cancelled', subject: `order:${order.order_number}`,
        detail: { partnerOrderNumber: order.partner_order_number, posId: caller.pos.id, reasonCode: input.reasonCode, comment: input.comment },
      });
      return { orderNumber: order.order_number, partnerOrderNumber: order.partner_order_number, downloadEndsOn: cancelledOn };
    },

    /**
     * updateDownloadTime: sets the order's last download day to an explicit date (today UTC or
     * later) or extends it by a duration from max(current end, today), with an audit entry, in the
     * caller's transaction. Throws Refusal 111 value refused (past date, end beyond 9999-12-31),
     * 1010 not found (or another partner's), 1011 order cancelled.
     */
    async updateDownloadTime(tx: Tx, caller: Caller, input: UpdateDownloadTimeInput): Promise<ChangedOrder> {
      const now = clock.now();
      const today = utcDate(now);
      // The value is a field: refused before the order is looked up, whatever the order's end.
      if (newDownloadEnd(input.value, today, today) === undefined) throw new Refusal(111);
      const order = await lockOrder(tx, caller.partner.id, input.partnerOrderNumber);
      if (!order) throw new Refusal(1010);
      if (order.status === 'cancelled') throw new Refusal(1011);
      const end = newDownloadEnd(input.value, order.download_ends_on, today);
      if (end === undefined) throw new Refusal(111);

      await tx.updateTable('orders').set({ download_ends_on: end }).where('order_number', '=', order.order_number).execute();
      await recordAudit(tx, now, {
        actor: `partner:${caller.partner.id}`, action: 'order.download_time_updated', subject: `order:${order.order_number}`,
        detail: {
          partnerOrderNumber: order.partner_order_number, posId: caller.pos.id,
          value: input.value.kind === 'date' ? input.value.date : input.value.duration, previousEnd: order.download_ends_on, newEnd: end,
        },
      });
      return { orderNumber: order.order_number, partnerOrderNumber: order.partner_order_number, downloadEndsOn: end };
    },
  };
}

export type OrderChangesService = ReturnType<typeof orderChangesService>;
