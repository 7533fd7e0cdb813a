import type { Tx } from '../../db/schema.js';
import type { Clock } from '../../shared/clock.js';
import { Refusal } from '../../shared/errors.js';
import type { Keyring } from '../../shared/keyring.js';
import { toMinor } from '../../shared/money.js';
import { recordAudit } from '../audit/index.js';
import { findProducts, findSellable, type SellableProduct } from '../catalog/index.js';
import { fileUrl, metalinkUrl } from '../downloads/index.js';
import { raiseEvent } from '../events/index.js';
import type { Caller } from '../partners/index.js';
import type { StockService } from '../stock/index.js';
import { downloadEndDate, fillRemark, isPhysical, type OrderLineView, type OrderView } from './order.js';
import { referenceRefusal, vatFlagsOf } from './order-checks.js';
import type { PlaceOrderInput } from './order-input.js';
import { findOrder, findOrderNumber, insertDownloadGrants, insertLineItem, insertOrder, insertOrderLine, loadOrderParts, type OrderRow } from './orders.repository.js';


export type OrdersDeps = {
  keyring: Keyring;
  clock: Clock;
  stock: StockService;
  publicUrl: string;
  downloadWindowDays: number;
};

/** Orders of the partner API: placing them atomically, reading them back. */
export function ordersService({ keyring, clock, stock, publicUrl, downloadWindowDays }: OrdersDeps) {
  /** Serials of `count` units, `perUnit` each: claimed from the pool or generated, in unit order. */
  async function serialsFor(tx: Tx, product: SellableProduct, units: number): Promise<{ id: number }[][]> {
    const perUnit = product.delivery.serialsPerUnit;
    if (perUnit === 0 || product.delivery.serialSource === 'none') return Array.from({ length: units }, () => []);
    const keys = product.delivery.serialSource === 'generated'
      ? await stock.generateSerials(tx, product.ref, product.delivery.serialPattern ?? 'XXXX-XXXX-XXXX-XXXX', units * perUnit)
      : await stock.claimKeys(tx, product.ref, units * perUnit);
    return Array.from({ length: units }, (_, unit) => keys.slice(unit * perUnit, (unit + 1) * perUnit));
  }

  async function view(tx: Tx, order: OrderRow): Promise<OrderView> {
    const { lines, items, grants } = await loadOrderParts(tx, order.order_number);
    const products = await findProducts(tx, lines.map((l) => l.product_ref));
    const serials = await stock.revealKeys(tx, items.map((i) => i.id));
    const customer = JSON.parse(order.customer) as { email: string };
    const cancelled = order.status === 'cancelled';
    const lineViews: OrderLineView[] = lines.map((line) => {
      const product = products.get(line.product_ref)!;
      return {
        productRef: line.product_ref,
        items: items.filter((i) => i.order_line_id === line.id).map((i) => ({ serials: serials.get(i.id) ?? [], subscriptionId: null })),
        files: cancelled ? [] : grants.filter((g) => g.order_line_id === line.id).map((g) => ({
          label: g.label, type: g.type, url: fileUrl(publicUrl, keyring, g.id), size: g.size_bytes, group: g.file_group,
        })),
        digitalLockerLink: product.delivery.digitalLockerLink,
        remark: fillRemark(product.delivery.remark, {
          orderNumber: order.order_number, email: line.end_user_email ?? customer.email, partnerOrderNumber: order.partner_order_number,
        }),
      };
    });
    const managed = lines.some((line) => products.get(line.product_ref)!.delivery.downloadManager) && grants.length > 0;
    return {
      orderNumber: order.order_number,
      partnerOrderNumber: order.partner_order_number,
      status: order.status as OrderView['status'],
      downloadEndsOn: order.download_ends_on,
      lines: lineViews,
      downloadManagerUrl: managed && !cancelled ? metalinkUrl(publicUrl, keyring, order.order_number) : null,
    };
  }

  return {
    /**
     * createOrder: checks references (1020–1051, 231, 251 under `strict`), refuses a repeated
     * partnerOrderNumber with 1010 and its orderNumber, then claims keys (1044 refuses the whole
     * order) and stores order, lines, units, download grants, shipments, the partner's ledger entry,
     * the event and the audit entry in the caller's transaction. Returns the order as answered.
     */
    async placeOrder(tx: Tx, caller: Caller, input: PlaceOrderInput): Promise<OrderView> {
      const existing = await findOrderNumber(tx, caller.partner.id, input.partnerOrderNumber);
      if (existing !== undefined) throw new Refusal(1010, { orderNumber: existing });
      const now = clock.now();
      const today = now.toISOString().slice(0, 10);
      const products = await findSellable(tx, caller.pos, input.lines.map((l) => l.productRef));
      const refused = referenceRefusal(input, caller.pos, products, today);
      if (refused !== undefined) throw new Refusal(refused);

      const extensions = input.lines.flatMap((line) => {
        const option = products.get(line.productRef)!.option;
        return option?.kind === 'download_extension' && option.duration ? Array<string>(line.quantity).fill(option.duration) : [];
      });
      const orderNumber = await insertOrder(tx, {
        partner_id: caller.partner.id,
        pos_id: caller.pos.id,
        partner_order_number: input.partnerOrderNumber,
        kind: 'order',
        order_date: input.orderDate,
        received_at: now.toISOString(),
        currency: input.currency,
        marketing_program_id: input.marketingProgramId,
        affiliate_id: input.affiliateId,
        customer: JSON.stringify(input.customer),
        payment: input.payment && JSON.stringify(input.payment),
        discounts: JSON.stringify(input.discounts),
        metadata: JSON.stringify(input.metadata),
        download_ends_on: downloadEndDate(now, downloadWindowDays, extensions),
        status: 'active',
        cancelled_at: null,
        cancel_reason: null,
        cancel_comment: null,
      });

      let retailerTotal = 0;
      let endUserTotal = 0;
      for (const [position, line] of input.lines.entries()) {
        const product = products.get(line.productRef)!;
        const dutyFree = line.amountDutyFree === null ? product.saleMinor * line.quantity : toMinor(line.amountDutyFree, input.currency)!;
        const lineId = await insertOrderLine(tx, {
          order_number: orderNumber,
          position,
          product_ref: product.ref,
          quantity: line.quantity,
          vat_rate: line.vatRate === null ? null : String(line.vatRate),
          amount_duty_free_minor: dutyFree,
          amount_total_minor: line.amountTotal === null ? null : toMinor(line.amountTotal, input.currency)!,
          amounts_sent: line.amountDutyFree === null ? 0 : 1,
          end_user_email: line.endUserEmail,
          discounts: JSON.stringify(line.discounts),
          retailer_unit_minor: product.retailerMinor,
          vat_flags: JSON.stringify(vatFlagsOf(line, input, today)),
        });
        retailerTotal += product.retailerMinor * line.quantity;
        endUserTotal += dutyFree;
        const units = await serialsFor(tx, product, line.quantity);
        for (const [unit, keys] of units.entries()) {
          const itemId = await insertLineItem(tx, lineId, unit);
          if (keys.length > 0) await stock.attachKeys(tx, keys.map((k) => k.id), itemId);
        }
        await insertDownloadGrants(tx, orderNumber, lineId, product.files.map((f) => f.id));
        if (isPhysical(product)) {
          await tx.insertInto('shipments').values({
            order_number: orderNumber, order_line_id: lineId, product_ref: product.ref, quantity: line.quantity,
            address: JSON.stringify(input.customer.locationDelivery ?? input.customer.locationInvoice),
            status: 'to_ship', tracking_number: null, created_at: now.toISOString(), shipped_at: null,
          }).execute();
        }
      }
      await tx.insertInto('ledger_entries').values({
        partner_id: caller.partner.id, pos_id: caller.pos.id, order_number: orderNumber, kind: 'order',
        currency: input.currency, retailer_minor: retailerTotal, end_user_minor: endUserTotal, at: now.toISOString(),
      }).execute();
      await raiseEvent(tx, now, {
        type: 'order.created',
        partnerId: caller.partner.id,
        data: { orderNumber, partnerOrderNumber: input.partnerOrderNumber, posId: caller.pos.id, productRefs: input.lines.map((l) => l.productRef) },
      });
      await recordAudit(tx, now, { actor: `partner:${caller.partner.id}`, action: 'order.created', subject: `order:${orderNumber}`, detail: { partnerOrderNumber: input.partnerOrderNumber, posId: caller.pos.id } });
      return view(tx, (await findOrder(tx, caller.partner.id, input.partnerOrderNumber))!);
    },

    /** getOrderData: the partner's order (or renewal order) as answered; Refusal(1010) when it has none by that number. */
    async getOrder(tx: Tx, partnerId: number, partnerOrderNumber: string): Promise<OrderView> {
      const order = await findOrder(tx, partnerId, partnerOrderNumber);
      if (!order) throw new Refusal(1010);
      return view(tx, order);
    },

    /** The existing order number of a partnerOrderNumber, if any (a retry after a lost answer). */
    findOrderNumber,
  };
}

export type OrdersService = ReturnType<typeof ordersService>;
