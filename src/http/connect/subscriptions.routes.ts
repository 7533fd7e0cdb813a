import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { App } from '../../app.js';
import { isUniqueViolation } from '../../db/errors.js';
import { Refusal } from '../../shared/errors.js';
import { isAbsent, readId, readOrderNumber, sentOrderNumber } from './fields.js';
import { connectRoute, isPlainObject } from './route.js';

/** Every subscription call names the original order and the subscription: 100, 110, 111 in body order. */
function readSubscriptionRef(body: Record<string, unknown>): { partnerOrderNumber: string; subscriptionId: number } {
  const partnerOrderNumber = readOrderNumber(body.partnerOrderNumber);
  if (partnerOrderNumber === undefined) throw new Refusal(100);
  if (isAbsent(body.subscriptionId)) throw new Refusal(110);
  const subscriptionId = readId(body.subscriptionId);
  if (subscriptionId.kind !== 'ok') throw new Refusal(111);
  return { partnerOrderNumber, subscriptionId: subscriptionId.value };
}

/** The subscriptionId a refused call echoes: the id when it reads as one, else null. */
function sentSubscriptionId(request: FastifyRequest): number | null {
  const read = readId(isPlainObject(request.body) ? request.body.subscriptionId : undefined);
  return read.kind === 'ok' ? read.value : null;
}

const SubscriptionRef = Type.Object({
  partnerOrderNumber: Type.String({ description: 'the original order (a renewal order number answers 1010); 100 missing' }),
  subscriptionId: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1, description: '110 missing, 111 invalid, 1010 not found' }),
});

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

const StatusAnswer = Type.Object({
  partnerOrderNumber: Type.Union([Type.String(), Type.Null()]),
  subscriptionId: Type.Union([Type.Integer(), Type.Null()]),
  productRef: Type.Union([Type.Integer(), Type.Null()]),
  period: Nullable(Type.String({ description: 'ISO 8601 duration' })),
  generation: Type.Union([Type.Integer({ description: '0 for the first term, +1 per renewal' }), Type.Null()]),
  technicalStatus: Type.Union([Type.Literal('ACTIVE'), Type.Literal('CANCELLED'), Type.Literal('EXPIRED'), Type.Literal('TERMINATED'), Type.Literal('RENEWAL_FAILED'), Type.Null()]),
  autoRenew: Type.Union([Type.Boolean(), Type.Null()]),
  creation_datetime: Nullable(Type.String({ format: 'date-time' })),
  update_datetime: Nullable(Type.String({ format: 'date-time' })),
  expiration_datetime: Nullable(Type.String({ format: 'date-time' })),
  next_status_change_datetime: Nullable(Type.String({ format: 'date-time', description: 'null for EXPIRED and TERMINATED' })),
  currentPartnerOrderNumber: Nullable(Type.String({ description: 'the order that delivered the current term' })),
  currency: Nullable(Type.String()),
  amount: Type.Union([Type.Number({ description: 'price of the next term excl. VAT' }), Type.Null()]),
  code: Type.Integer({ description: '0, 100, 110, 111, 1010' }),
  message: Type.String(),
});

const REFUSED_STATUS = {
  productRef: null, period: null, generation: null, technicalStatus: null, autoRenew: null, creation_datetime: null,
  update_datetime: null, expiration_datetime: null, next_status_change_datetime: null, currentPartnerOrderNumber: null, currency: null, amount: null,
};

const CancelAnswer = Type.Object({
  partnerOrderNumber: Type.Union([Type.String(), Type.Null()]),
  subscriptionId: Type.Union([Type.Integer(), Type.Null()]),
  orderNumber: Type.Union([Type.Integer(), Type.Null()]),
  responseCode: Type.Integer({ description: '0, 100, 110, 111, 1010, 1011 already cancelled, expired or terminated' }),
  responseMessage: Type.String(),
});

const RenewAnswer = Type.Object({
  partnerOrderNumber: Type.Union([Type.String({ description: 'the renewal order: {pon}-{generation} or {pon}-{subscriptionId}-{generation}' }), Type.Null()]),
  subscriptionId: Type.Union([Type.Integer(), Type.Null()]),
  orderNumber: Type.Union([Type.Integer({ description: 'the renewal order' }), Type.Null()]),
  generation: Type.Union([Type.Integer(), Type.Null()]),
  expiration_datetime: Nullable(Type.String({ format: 'date-time' })),
  responseCode: Type.Integer({ description: '0, 100, 110, 111, 1010, 1011 cancelled/expired/terminated, 1013 too early or term already renewed, 1044 out of stock' }),
  responseMessage: Type.String(),
});

/** getSubscriptionStatus, cancelSubscription and renewSubscription. */
export async function subscriptionsRoutes(server: FastifyInstance, { app }: { app: App }): Promise<void> {
  const echo = (request: FastifyRequest) => ({ partnerOrderNumber: sentOrderNumber(request.body), subscriptionId: sentSubscriptionId(request) });

  connectRoute(server, {
    method: 'POST',
    url: '/connect/subscription',
    operation: 'getSubscriptionStatus',
    codeKeys: 'code',
    summary: 'Status of a subscription',
    body: SubscriptionRef,
    response: StatusAnswer,
    refusedShape: (request) => ({ ...echo(request), ...REFUSED_STATUS }),
    handler: async (request, caller) => {
      const ref = readSubscriptionRef(request.body as Record<string, unknown>);
      return app.subscriptions.getStatus(app.db, caller.partner.id, ref.partnerOrderNumber, ref.subscriptionId);
    },
  });

  connectRoute(server, {
    method: 'PUT',
    url: '/connect/subscription',
    operation: 'cancelSubscription',
    summary: 'Cancel a subscription (no renewal; the licence stays active until expiration)',
    body: SubscriptionRef,
    response: CancelAnswer,
    refusedShape: (request) => ({ ...echo(request), orderNumber: null }),
    handler: async (request, caller) => {
      const ref = readSubscriptionRef(request.body as Record<string, unknown>);
      const { orderNumber } = await app.units.run((tx) => app.subscriptions.cancelSubscription(tx, caller, ref.partnerOrderNumber, ref.subscriptionId));
      return { ...ref, orderNumber };
    },
  });

  connectRoute(server, {
    method: ['POST', 'PUT'],
    url: '/connect/subscription/renew',
    operation: 'renewSubscription',
    summary: 'Renew a subscription now, after taking the end user’s payment',
    body: SubscriptionRef,
    response: RenewAnswer,
    refusedShape: (request) => ({ ...echo(request), orderNumber: null, generation: null, expiration_datetime: null }),
    handler: async (request, caller) => {
      const ref = readSubscriptionRef(request.body as Record<string, unknown>);
      try {
        return await app.units.run((tx) => app.subscriptions.renewByPartner(tx, caller, ref.partnerOrderNumber, ref.subscriptionId));
      } catch (error) {
        // The worker or another call renewed this term at the same moment.
        if (isUniqueViolation(error)) throw new Refusal(1013);
        throw error;
      }
    },
  });
}
