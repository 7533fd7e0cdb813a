import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import type { StockStatus } from '../../domains/stock/index.js';
import { itemMessage, Refusal } from '../../shared/errors.js';
import { readId } from './fields.js';
import { connectRoute } from './route.js';

/** getStockStatus answers 1 to 100 refs per call. */
export const MAX_STOCK_REFS = 100;

type EntryCode = 0 | 101 | 1010;

type ProductStatusEntry = { productRef: unknown; status: StockStatus | null; responseCode: EntryCode; responseMessage: string };

const StockBody = Type.Object({
  productRefs: Type.Array(Type.Union([Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }), Type.String({ pattern: '^[0-9]+$' })]), {
    minItems: 1,
    maxItems: MAX_STOCK_REFS,
    description: 'product refs (numbers or numeric strings), answered each on its own in this order',
  }),
}, { additionalProperties: true });

const StockAnswer = Type.Object({
  productStatus: Type.Array(Type.Object({
    productRef: Type.Unknown({ description: 'the ref as a number; an invalid one is echoed as sent' }),
    status: Type.Union([Type.Literal(100), Type.Literal(200), Type.Literal(300), Type.Null()], {
      description: '100 enough stock, 200 almost out (≤ low-stock threshold), 300 out of stock; null with a non-zero code',
    }),
    responseCode: Type.Union([Type.Literal(0), Type.Literal(101), Type.Literal(1010)], {
      description: '0 OK, 101 productRef invalid, 1010 unknown or not sold by this POS',
    }),
    responseMessage: Type.String(),
  })),
  responseCode: Type.Integer({ description: '0, or 100 productRefs missing or empty, 101 more than 100 refs' }),
  responseMessage: Type.String(),
});

function entry(productRef: unknown, status: StockStatus | null, code: EntryCode): ProductStatusEntry {
  return { productRef, status, responseCode: code, responseMessage: itemMessage('getStockStatus', code) };
}

/** An invalid ref is echoed as sent when it is a scalar; anything else (a list, an object) as null. */
function echoable(value: unknown): unknown {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
}

/** `POST /connect/stock` (getStockStatus): the stock status of each ref, in request order. */
export async function stockRoutes(server: FastifyInstance, { app }: { app: App }): Promise<void> {
  connectRoute(server, {
    method: 'POST',
    url: '/connect/stock',
    operation: 'getStockStatus',
    summary: 'Stock status of products',
    body: StockBody,
    response: StockAnswer,
    refusedShape: () => ({ productStatus: [] }),
    handler: async (request, caller) => {
      const sent = (request.body as Record<string, unknown>).productRefs;
      if (!Array.isArray(sent) || sent.length === 0) throw new Refusal(100);
      if (sent.length > MAX_STOCK_REFS) throw new Refusal(101);
      const refs = sent.map((value) => readId(value));
      const valid: number[] = [];
      for (const read of refs) if (read.kind === 'ok') valid.push(read.value);
      const statuses = await app.stock.stockStatuses(app.catalogReader, app.readDb, caller.pos, valid);
      const productStatus = refs.map((read, i) => {
        if (read.kind !== 'ok') return entry(echoable(sent[i]), null, 101);
        const status = statuses.get(read.value);
        return status === undefined ? entry(read.value, null, 1010) : entry(read.value, status, 0);
      });
      return { productStatus };
    },
  });
}
