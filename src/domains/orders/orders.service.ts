import type { CompiledQuery, Insertable } from 'kysely';
import { runTogether } from '../../db/prepared.js';
import type { OrderLinesTable, OrdersTable, Tx } from '../../db/schema.js';
import { snapshotCache } from '../../db/snapshots.js';
import type { Clock } from '../../shared/clock.js';
import { Refusal } from '../../shared/errors.js';
import type { Keyring } from '../../shared/keyring.js';
import { toMinor } from '../../shared/money.js';
import { auditEntryInsert } from '../audit/index.js';
import type { CatalogReader, Product } from '../catalog/index.js';
import { fileUrl, metalinkUrl } from '../downloads/index.js';
import { eventInsert } from '../events/index.js';
import type { Caller } from '../partners/index.js';
import type { ClaimedKey, SealedKeyRow, StockService } from '../stock/index.js';
import { downloadEndDate, fillRemark, isPhysical, type OrderLineView, type OrderView } from './order.js';
import { referenceRefusal, vatFlagsOf } from './order-checks.js';
import type { PlaceOrderInput } from './order-input.js';
import { findOrder, findOrderNumber, insertDownloadGrants, ledgerEntryInsert, lineItemsInsert, loadOrderParts, orderInsert, orderLineInsert, reserveOrder, reserveRenewal, type OrderNumbers, type OrderRow } from './orders.repository.js';


/** What an order's answer is made of: its lines, units, download grants, serials and products. */
type ViewParts = {
  lines: { id: number; product_ref: number; end_user_email: string | null }[];
  items: { id: number; order_line_id: number; subscription_id: number | null; serials_of_line_item_id: number | null }[];
  grants: { id: number; order_line_id: number; label: string; type: string; file_group: string; size_bytes: number }[];
  /** Plain serials per line item whose serials the answer shows. */
  serials: Map<number, string[]>;
  products: Map<number, Product>;
};

type OrderViewRow = Pick<OrderRow, 'order_number' | 'partner_order_number' | 'status' | 'download_ends_on' | 'customer'>;

/** A renewal unit that keeps its serial shows the serials of the unit that first delivered it. */
const serialSource = (item: ViewParts['items'][number]): number => item.serials_of_line_item_id ?? item.id;

/** A unit an order placed: what other domains (subscriptions) start from it. */
export type PlacedUnit = { lineItemId: number; product: Product };

/** An order just placed, as the placement hook sees it. */
export type PlacedOrder = {
  orderNumber: number;
  partnerOrderNumber: string;
  partnerId: number;
  posId: number;
  currency: string;
  receivedAt: Date;
  units: PlacedUnit[];
};

/**
 * What other domains add to placing an order, wired by the composition root (orders do not import
 * them): subscriptions start here, in the order's transaction.
 */
export type OrderPlacementHooks = {
  /** Returns the subscription started per line item, for the order's answer. */
  orderPlaced(tx: Tx, order: PlacedOrder): Promise<ReadonlyMap<number, number>>;
};

export type OrdersDeps = {
  keyring: Keyring;
  clock: Clock;
  stock: StockService;
  catalog: CatalogReader;
  publicUrl: string;
  downloadWindowDays: number;
  hooks: OrderPlacementHooks;
};

/** A product as an order line needs it: delivery, files, option, and what the partner owes per unit. */
type LineProduct = Product & { retailerMinor: number };

/** One line to write: the product, its units, the end-user amounts, and where its serials come from. */
type LineDraft = {
  product: LineProduct;
  quantity: number;
  columns: Pick<Insertable<OrderLinesTable>, 'vat_rate' | 'amount_duty_free_minor' | 'amount_total_minor' | 'amounts_sent' | 'end_user_email' | 'discounts' | 'vat_flags'>;
  /** A renewal that keeps the serial shows the serials of this unit instead of taking new ones. */
  serialsOf?: number;
  subscriptionId?: number;
};

/** A renewal order to place for a subscription's new term (subscriptions decide when). */
export type RenewalOrderDraft = {
  partnerId: number;
  posId: number;
  /** The renewal order's partnerOrderNumber, unless the partner has an order by it already: then `fallback`. */
  partnerOrderNumber: { preferred: string; fallback: string };
  originalOrderNumber: number;
  product: LineProduct;
  /** What the end user pays for the term (the renewal price), in minor units of `currency`. */
  endUserMinor: number;
  currency: string;
  subscriptionId: number;
  /** The unit whose serials the new term keeps, or undefined for a new serial. */
  keepSerialsOf: number | undefined;
  /** Rows the caller writes with the order's own (in its statement on PostgreSQL), given its numbers. */
  alsoWrite: (renewal: RenewalOrder) => CompiledQuery[];
};

/** A renewal order placed: its number and partnerOrderNumber. */
export type RenewalOrder = { orderNumber: number; partnerOrderNumber: string };

/** An order's rows as read for its answer (its serials sealed), and the answer once made from them. */
type StoredOrder = Pick<ViewParts, 'lines' | 'items' | 'grants'> & {
  order: OrderViewRow;
  sealedKeys: SealedKeyRow[];
  /** The answer made from these rows, once asked: it holds for as long as they are kept. */
  view?: OrderView;
};

/** Orders whose rows are kept between commits (snapshots.ts): what partners poll after a sale. */
const ORDERS_KEPT = 10_000;

/** Orders of the partner API: placing them atomically, reading them back. */
export function ordersService({ keyring, clock, stock, catalog, publicUrl, downloadWindowDays, hooks }: OrdersDeps) {
  const ordersSeen = snapshotCache<string, StoredOrder | null>({ maxEntries: ORDERS_KEPT });

  /** Where a line's serials come from: its product's pool, generated from its pattern, or none (also for a renewal that keeps them). */
  function serialsFrom(draft: LineDraft): 'pool' | 'generated' | 'none' {
    const { serialsPerUnit, serialSource } = draft.product.delivery;
    if (draft.serialsOf !== undefined || serialsPerUnit === 0 || serialSource === 'none') return 'none';
    return serialSource === 'generated' ? 'generated' : 'pool';
  }

  /**
   * Writes the order's row with its lines, their units and `appends`, in one statement on PostgreSQL
   * (its numbers were taken first) together with the first pooled line's key claim; then the other
   * lines' serials (claimed or generated), download grants and shipments. Returns the units placed
   * and what the order's answer shows of them.
   */
  async function writeOrder(tx: Tx, order: Insertable<OrdersTable>, numbers: OrderNumbers, drafts: readonly LineDraft[], appends: readonly CompiledQuery[], deliveryAddress: unknown, now: Date): Promise<{ placed: PlacedUnit[]; parts: ViewParts }> {
    const { orderNumber } = numbers;
    const placed: PlacedUnit[] = [];
    const parts: ViewParts = { lines: [], items: [], grants: [], serials: new Map(), products: new Map() };
    const rows: CompiledQuery[] = [orderInsert(tx, { ...order, order_number: orderNumber })];
    const unitsOfLine: number[][] = [];
    let unitsBefore = 0;
    for (const [position, draft] of drafts.entries()) {
      const { product, quantity } = draft;
      const lineId = numbers.lineIds[position]!;
      const itemIds = numbers.itemIds.slice(unitsBefore, unitsBefore + quantity);
      unitsBefore += quantity;
      unitsOfLine.push(itemIds);
      const unit = { subscriptionId: draft.subscriptionId ?? null, serialsOf: draft.serialsOf ?? null };
      rows.push(
        orderLineInsert(tx, { id: lineId, order_number: orderNumber, position, product_ref: product.ref, quantity, retailer_unit_minor: product.retailerMinor, ...draft.columns }),
        lineItemsInsert(tx, { ids: itemIds, orderLineId: lineId, ...unit }),
      );
      parts.lines.push({ id: lineId, product_ref: product.ref, end_user_email: draft.columns.end_user_email ?? null });
      parts.products.set(product.ref, product);
      for (const id of itemIds) {
        placed.push({ lineItemId: id, product });
        parts.items.push({ id, order_line_id: lineId, subscription_id: unit.subscriptionId, serials_of_line_item_id: unit.serialsOf });
      }
    }
    rows.push(...appends);
    // OutOfStock from any claim rolls the whole order back.
    const first = drafts.findIndex((draft) => serialsFrom(draft) === 'pool');
    const firstKeys = first < 0
      ? await runTogether(tx, rows).then(() => undefined)
      : await stock.claimUnitKeys(tx, drafts[first]!.product.ref, drafts[first]!.product.delivery.serialsPerUnit, unitsOfLine[first]!, rows);

    for (const [position, draft] of drafts.entries()) {
      const { product, quantity } = draft;
      const lineId = numbers.lineIds[position]!;
      const unitIds = unitsOfLine[position]!;
      const keys = position === first ? firstKeys! : await serialsOfUnits(tx, draft, unitIds);
      // In key order, as findSealedKeys reads them back.
      for (const id of unitIds) parts.serials.set(id, [...keys.get(id) ?? []].sort((x, y) => x.id - y.id).map((k) => k.key));
      const grantIds = await insertDownloadGrants(tx, orderNumber, lineId, product.files.map((f) => f.id));
      for (const file of product.files) {
        parts.grants.push({ id: grantIds.get(file.id)!, order_line_id: lineId, label: file.label, type: file.type, file_group: file.group, size_bytes: file.sizeBytes });
      }
      if (isPhysical(product)) {
        await tx.insertInto('shipments').values({
          order_number: orderNumber, order_line_id: lineId, product_ref: product.ref, quantity,
          address: JSON.stringify(deliveryAddress), status: 'to_ship', tracking_number: null, created_at: now.toISOString(), shipped_at: null,
        }).execute();
      }
    }
    return { placed, parts };
  }

  /** The serials of a line's units: claimed from the pool or generated (one statement for all of them), or none. */
  async function serialsOfUnits(tx: Tx, draft: LineDraft, lineItemIds: readonly number[]): Promise<Map<number, ClaimedKey[]>> {
    const { ref, delivery } = draft.product;
    switch (serialsFrom(draft)) {
      case 'none': return new Map();
      case 'pool': return stock.claimUnitKeys(tx, ref, delivery.serialsPerUnit, lineItemIds);
      case 'generated': return stock.generateUnitSerials(tx, ref, delivery.serialPattern ?? 'XXXX-XXXX-XXXX-XXXX', delivery.serialsPerUnit, lineItemIds);
    }
  }

  /** The rows of an order's answer, in a fixed number of queries. */
  async function storedOrder(tx: Tx, order: OrderViewRow): Promise<StoredOrder> {
    const parts = await loadOrderParts(tx, order.order_number);
    return { order, ...parts, sealedKeys: await stock.findSealedKeys(tx, parts.items.map(serialSource)) };
  }

  /** An order as answered, read back from the database (getOrderData). */
  async function view(tx: Tx, { order, lines, items, grants, sealedKeys }: StoredOrder): Promise<OrderView> {
    const products = await catalog.findProducts(tx, lines.map((l) => l.product_ref));
    const serials = stock.openKeys(items.map(serialSource), sealedKeys);
    return viewOf(order, { lines, items, grants, serials, products });
  }

  /** An order as answered, from its parts. */
  function viewOf(order: OrderViewRow, { lines, items, grants, serials, products }: ViewParts): OrderView {
    const customerEmail = () => (JSON.parse(order.customer) as { email: string }).email;
    const cancelled = order.status === 'cancelled';
    const lineViews: OrderLineView[] = lines.map((line) => {
      const product = products.get(line.product_ref)!;
      return {
        productRef: line.product_ref,
        items: items.filter((i) => i.order_line_id === line.id).map((i) => ({ serials: serials.get(serialSource(i)) ?? [], subscriptionId: i.subscription_id })),
        files: cancelled ? [] : grants.filter((g) => g.order_line_id === line.id).map((g) => ({
          label: g.label, type: g.type, url: fileUrl(publicUrl, keyring, g.id), size: g.size_bytes, group: g.file_group,
        })),
        digitalLockerLink: product.delivery.digitalLockerLink,
        remark: fillRemark(product.delivery.remark, {
          orderNumber: order.order_number, email: () => line.end_user_email ?? customerEmail(), partnerOrderNumber: order.partner_order_number,
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
      const numbers = await reserveOrder(tx, {
        partnerId: caller.partner.id, partnerOrderNumber: input.partnerOrderNumber,
        lines: input.lines.length, items: input.lines.reduce((sum, line) => sum + line.quantity, 0),
      });
      if (numbers.existing !== undefined) throw new Refusal(1010, { orderNumber: numbers.existing });
      const { orderNumber } = numbers;
      const now = clock.now();
      const today = now.toISOString().slice(0, 10);
      const products = await catalog.findSellable(tx, caller.pos, input.lines.map((l) => l.productRef));
      const refused = referenceRefusal(input, caller.pos, products, today);
      if (refused !== undefined) throw new Refusal(refused);

      const extensions = input.lines.flatMap((line) => {
        const option = products.get(line.productRef)!.option;
        return option?.kind === 'download_extension' && option.duration ? Array<string>(line.quantity).fill(option.duration) : [];
      });
      const downloadEndsOn = downloadEndDate(now, downloadWindowDays, extensions);
      const customer = JSON.stringify(input.customer);
      const drafts: LineDraft[] = input.lines.map((line) => {
        const product = products.get(line.productRef)!;
        return {
          product,
          quantity: line.quantity,
          columns: {
            vat_rate: line.vatRate === null ? null : String(line.vatRate),
            amount_duty_free_minor: line.amountDutyFree === null ? product.saleMinor * line.quantity : toMinor(line.amountDutyFree, input.currency)!,
            amount_total_minor: line.amountTotal === null ? null : toMinor(line.amountTotal, input.currency)!,
            amounts_sent: line.amountDutyFree === null ? 0 : 1,
            end_user_email: line.endUserEmail,
            discounts: JSON.stringify(line.discounts),
            vat_flags: JSON.stringify(vatFlagsOf(line, input, today)),
          },
        };
      });
      const retailerTotal = drafts.reduce((sum, d) => sum + d.product.retailerMinor * d.quantity, 0);
      const endUserTotal = drafts.reduce((sum, d) => sum + d.columns.amount_duty_free_minor, 0);
      const { placed: units, parts } = await writeOrder(tx, {
        partner_id: caller.partner.id,
        pos_id: caller.pos.id,
        partner_order_number: input.partnerOrderNumber,
        kind: 'order',
        order_date: input.orderDate,
        received_at: now.toISOString(),
        currency: input.currency,
        marketing_program_id: input.marketingProgramId,
        affiliate_id: input.affiliateId,
        customer,
        payment: input.payment && JSON.stringify(input.payment),
        discounts: JSON.stringify(input.discounts),
        metadata: JSON.stringify(input.metadata),
        download_ends_on: downloadEndsOn,
        status: 'active',
        cancelled_at: null,
        cancel_reason: null,
        cancel_comment: null,
      }, numbers, drafts, [
        ledgerEntryInsert(tx, {
          partner_id: caller.partner.id, pos_id: caller.pos.id, order_number: orderNumber, kind: 'order',
          currency: input.currency, retailer_minor: retailerTotal, end_user_minor: endUserTotal, at: now.toISOString(),
        }),
        eventInsert(tx, now, {
          type: 'order.created',
          partnerId: caller.partner.id,
          data: { orderNumber, partnerOrderNumber: input.partnerOrderNumber, posId: caller.pos.id, productRefs: input.lines.map((l) => l.productRef) },
        }).insert,
        auditEntryInsert(tx, now, { actor: `partner:${caller.partner.id}`, action: 'order.created', subject: `order:${orderNumber}`, detail: { partnerOrderNumber: input.partnerOrderNumber, posId: caller.pos.id } }),
      ], input.customer.locationDelivery ?? input.customer.locationInvoice, now);
      const subscriptions = await hooks.orderPlaced(tx, {
        orderNumber, partnerOrderNumber: input.partnerOrderNumber, partnerId: caller.partner.id, posId: caller.pos.id,
        currency: input.currency, receivedAt: now, units,
      });
      // The answer from what was just written: reading it back would cost five more queries.
      for (const item of parts.items) item.subscription_id = subscriptions.get(item.id) ?? null;
      return viewOf({
        order_number: orderNumber, partner_order_number: input.partnerOrderNumber, status: 'active',
        download_ends_on: downloadEndsOn, customer,
      }, parts);
    },

    /**
     * The order of a subscription's new term: one unit of the product, a new serial (claimed or
     * generated; OutOfStock when the pool is empty) or the kept one, download grants, the partner's
     * ledger entry at the retailer price in force, the audit entry, and the caller's rows (alsoWrite).
     * Returns its number and partnerOrderNumber.
     */
    async placeRenewalOrder(tx: Tx, draft: RenewalOrderDraft): Promise<RenewalOrder> {
      const now = clock.now();
      // Its numbers, what it takes over from the original order and its partnerOrderNumber in one
      // statement; should another order take that number meanwhile, the insert fails as unique.
      const { original, partnerOrderNumber, ...numbers } = await reserveRenewal(tx, {
        partnerId: draft.partnerId, originalOrderNumber: draft.originalOrderNumber, ...draft.partnerOrderNumber,
      });
      const { orderNumber } = numbers;
      await writeOrder(tx, {
        partner_id: draft.partnerId,
        pos_id: draft.posId,
        partner_order_number: partnerOrderNumber,
        kind: 'renewal',
        order_date: now.toISOString(),
        received_at: now.toISOString(),
        currency: draft.currency,
        marketing_program_id: original.marketing_program_id,
        affiliate_id: original.affiliate_id,
        customer: original.customer,
        payment: null,
        discounts: '[]',
        metadata: '[]',
        download_ends_on: downloadEndDate(now, downloadWindowDays, []),
        status: 'active',
        cancelled_at: null,
        cancel_reason: null,
        cancel_comment: null,
      }, numbers, [{
        product: draft.product,
        quantity: 1,
        columns: { vat_rate: null, amount_duty_free_minor: draft.endUserMinor, amount_total_minor: null, amounts_sent: 0, end_user_email: null, discounts: '[]', vat_flags: '[]' },
        ...(draft.keepSerialsOf !== undefined && { serialsOf: draft.keepSerialsOf }),
        subscriptionId: draft.subscriptionId,
      }], [
        ledgerEntryInsert(tx, {
          partner_id: draft.partnerId, pos_id: draft.posId, order_number: orderNumber, kind: 'renewal',
          currency: draft.currency, retailer_minor: draft.product.retailerMinor, end_user_minor: draft.endUserMinor, at: now.toISOString(),
        }),
        auditEntryInsert(tx, now, { actor: 'system', action: 'order.renewal_created', subject: `order:${orderNumber}`, detail: { partnerOrderNumber, subscriptionId: draft.subscriptionId } }),
        ...draft.alsoWrite({ orderNumber, partnerOrderNumber }),
      ], JSON.parse(original.customer).locationInvoice, now);
      return { orderNumber, partnerOrderNumber };
    },

    /**
     * getOrderData: the partner's order (or renewal order) as answered; Refusal(1010) when it has none
     * by that number. Its rows (or their absence) are kept until the next commit (snapshots.ts).
     */
    async getOrder(tx: Tx, partnerId: number, partnerOrderNumber: string): Promise<OrderView> {
      const seen = await ordersSeen.entriesFor(tx);
      const key = `${partnerId} ${partnerOrderNumber}`;
      let stored = seen?.get(key);
      if (stored === undefined) {
        const order = await findOrder(tx, partnerId, partnerOrderNumber);
        stored = order ? await storedOrder(tx, order) : null;
        seen?.set(key, stored);
      }
      if (!stored) throw new Refusal(1010);
      // Kept with the rows (until the next commit): opening the serials (AES-GCM) and signing the
      // download links of an answer took a fifth of a getOrderData's time, for the same answer.
      stored.view ??= await view(tx, stored);
      return stored.view;
    },

    /** The existing order number of a partnerOrderNumber, if any (a retry after a lost answer). */
    findOrderNumber,
  };
}

export type OrdersService = ReturnType<typeof ordersService>;
