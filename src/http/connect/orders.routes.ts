import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { isUniqueViolation } from '../../db/errors.js';
import { isPhysical, type OrderView } from '../../domains/orders/index.js';
import { Refusal } from '../../shared/errors.js';
import { readId, sentOrderNumber } from './fields.js';
import { OrderAnswer, OrderRequestBody } from './order.schemas.js';
import { readOrderRequest } from './order-request.js';
import { connectRoute, isPlainObject } from './route.js';

/** An order on the wire: createOrder's answer, and getOrderData's. */
export function orderAnswer(view: OrderView) {
  return {
    partnerOrderNumber: view.partnerOrderNumber,
    orderNumber: view.orderNumber,
    orderLines: view.lines.map((line) => ({
      productRef: line.productRef,
      lineItems: line.items.map((item) => ({
        serials: item.serials.map((data) => ({ data, encoding: 'text', charset: 'utf-8', fileName: '' })),
        subscriptionId: item.subscriptionId,
        responseCode: 0,
        responseMessage: '',
      })),
      files: line.files,
      dateEndDownload: view.downloadEndsOn,
      digitalLockerLink: line.digitalLockerLink,
      remark: line.remark,
      responseCode: 0,
      responseMessage: '',
    })),
    downloadManager: view.downloadManagerUrl ? { pc: view.downloadManagerUrl, mac: view.downloadManagerUrl } : null,
  };
}

/** Refs of lines that ship a disc (a delivery address is then required: 410). */
async function physicalRefs(app: App, body: Record<string, unknown>): Promise<Set<number>> {
  const lines = Array.isArray(body.orderLines) ? body.orderLines : [];
  const refs = lines.flatMap((line) => {
    const ref = readId(isPlainObject(line) ? line.productRef : undefined);
    return ref.kind === 'ok' ? [ref.value] : [];
  });
  const products = await app.catalogReader.findProducts(app.readDb, refs.slice(0, 50));
  return new Set([...products.values()].filter(isPhysical).map((p) => p.ref));
}

/** `POST /connect/order/new` (createOrder) and `GET /connect/order/{partnerOrderNumber}` (getOrderData). */
export async function ordersRoutes(server: FastifyInstance, { app }: { app: App }): Promise<void> {
  connectRoute(server, {
    method: 'POST',
    url: '/connect/order/new',
    operation: 'createOrder',
    summary: 'Create an order after taking the payment',
    body: OrderRequestBody,
    response: OrderAnswer,
    refusedShape: (request, details) => ({
      partnerOrderNumber: sentOrderNumber(request.body),
      orderNumber: typeof details.orderNumber === 'number' ? details.orderNumber : null,
      orderLines: [],
      downloadManager: null,
    }),
    handler: async (request, caller) => {
      const body = request.body as Record<string, unknown>;
      const physical = await physicalRefs(app, body);
      const input = readOrderRequest(body, { needsDelivery: (ref) => physical.has(ref) });
      try {
        return orderAnswer(await app.units.run((tx) => app.orders.placeOrder(tx, caller, input)));
      } catch (error) {
        // Two identical partnerOrderNumbers raced: the loser answers 1010 with the winner's number.
        if (!isUniqueViolation(error)) throw error;
        const orderNumber = await app.orders.findOrderNumber(app.db, caller.partner.id, input.partnerOrderNumber);
        if (orderNumber === undefined) throw error;
        throw new Refusal(1010, { orderNumber });
      }
    },
  });

  connectRoute(server, {
    method: 'GET',
    url: '/connect/order/:partnerOrderNumber',
    operation: 'getOrderData',
    summary: 'An order with its serials and download links',
    params: Type.Object({ partnerOrderNumber: Type.String() }),
    response: OrderAnswer,
    refusedShape: (request) => ({ partnerOrderNumber: (request.params as { partnerOrderNumber: string }).partnerOrderNumber, orderNumber: null, orderLines: [], downloadManager: null }),
    handler: async (request, caller) => {
      const { partnerOrderNumber } = request.params as { partnerOrderNumber: string };
      // Committed orders only (an order is answered once committed): on the read connection, a read
      // never waits behind a batch of writes.
      return orderAnswer(await app.orders.getOrder(app.readDb, caller.partner.id, partnerOrderNumber));
    },
  });
}
