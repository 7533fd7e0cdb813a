import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { proposeForBasket } from '../../domains/offers/index.js';
import { Refusal } from '../../shared/errors.js';
import { fromMinor } from '../../shared/money.js';
import { isAbsent, readId, readInteger } from './fields.js';
import { connectRoute, isPlainObject } from './route.js';

const CrossUpSellBody = Type.Object({
  language: Type.String({ pattern: '^[A-Za-z]{2}$', description: 'two letters, any case; 130 missing, 131 invalid' }),
  products: Type.Array(Type.Object({
    productRef: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1, description: '110 missing, 111 invalid, 1010 not sold by this POS' }),
    quantity: Type.Integer({ minimum: 1, maximum: 100, description: '120 missing, 121 invalid' }),
  }), { minItems: 1, maxItems: 100, description: 'the product being added and the basket; 100 when missing' }),
});

const CrossUpSellAnswer = Type.Object({
  productsReturn: Type.Array(Type.Object({
    ref: Type.Integer(),
    type: Type.Union([Type.Literal('option'), Type.Literal('up'), Type.Literal('cross')]),
    name: Type.Union([Type.String(), Type.Null()]),
    amountDutyFree: Type.Number({ description: 'POS sale price of one unit' }),
    currency: Type.String(),
    shortDescription: Type.Union([Type.String(), Type.Null()]),
    language: Type.String(),
    imageSmall: Type.Union([Type.String(), Type.Null()]),
    mandatory: Type.Boolean({ description: 'the cart must show it (download DVD of a must-propose-DVD publisher)' }),
  })),
  responseCode: Type.Integer(),
  responseMessage: Type.String(),
});

/** Reads a getCrossUpSell body in the contract's order: products, each ref and quantity, language. */
function readCrossUpSell(body: Record<string, unknown>): { language: string; asSent: string; productRefs: number[] } {
  const products = body.products;
  if (!Array.isArray(products) || products.length === 0 || products.length > 100) throw new Refusal(100);
  const productRefs: number[] = [];
  for (const entry of products) {
    const line = isPlainObject(entry) ? entry : {};
    const ref = readId(line.productRef);
    if (ref.kind === 'absent') throw new Refusal(110);
    if (ref.kind === 'invalid') throw new Refusal(111);
    const quantity = readInteger(line.quantity, 1, 100);
    if (quantity.kind === 'absent') throw new Refusal(120);
    if (quantity.kind === 'invalid') throw new Refusal(121);
    productRefs.push(ref.value);
  }
  if (isAbsent(body.language)) throw new Refusal(130);
  if (typeof body.language !== 'string' || !/^\s*[A-Za-z]{2}\s*$/.test(body.language)) throw new Refusal(131);
  const asSent = body.language.trim();
  return { language: asSent.toLowerCase(), asSent, productRefs };
}

/** `POST /connect/order/crossupsell` (getCrossUpSell). */
export async function offersRoutes(server: FastifyInstance, { app }: { app: App }): Promise<void> {
  connectRoute(server, {
    method: 'POST',
    url: '/connect/order/crossupsell',
    operation: 'getCrossUpSell',
    summary: 'Options, up-sells and cross-sells for a basket',
    body: CrossUpSellBody,
    response: CrossUpSellAnswer,
    refusedShape: () => ({ productsReturn: [] }),
    handler: async (request, caller) => {
      const basket = readCrossUpSell(request.body as Record<string, unknown>);
      const offers = await proposeForBasket(app.catalogReader, app.readDb, caller.pos, basket);
      // The language is answered in the case the partner sent it: "EN" stays "EN", "En" stays "En";
      // a fallback language takes upper case when the partner wrote upper case.
      const upper = basket.asSent === basket.asSent.toUpperCase();
      const caseOf = (code: string) => (code === basket.language ? basket.asSent : upper ? code.toUpperCase() : code);
      return {
        productsReturn: offers.map(({ product, type, mandatory, texts }) => ({
          ref: product.ref,
          type,
          name: texts.name,
          amountDutyFree: fromMinor(product.saleMinor, product.currency),
          currency: product.currency,
          shortDescription: texts.shortDescription,
          language: caseOf(texts.language),
          imageSmall: product.images.small,
          mandatory,
        })),
      };
    },
  });
}
