import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { CANCEL_REASONS, isCancelReason, parseDownloadValue, type CancelOrderInput, type UpdateDownloadTimeInput } from '../../domains/orders/index.js';
import { Refusal } from '../../shared/errors.js';
import { isAbsent, readInteger, readOrderNumber, sentOrderNumber } from './fields.js';
import { connectRoute } from './route.js';

// cancelOrder and updateDownloadTime (connect-api.md §6). Fields are checked in the order of the
// request body, each with its own code (given in each description); then the order's state.

/** Longest comment kept with a cancellation; a longer one is cut, never refused (the contract has no code for it). */
export const MAX_CANCEL_COMMENT = 1000;

const CancelBody = Type.Object({
  partnerOrderNumber: Type.String({ description: 'the order to cancel (a JSON integer is read as its digits); 110 missing or not text, 1010 not found' }),
  reasonCode: Type.Union([...CANCEL_REASONS.map((code) => Type.Literal(code)), Type.String({ pattern: `^(${CANCEL_REASONS.join('|')})$` })], {
    description: '2 order cancelled, 3 unsatisfied customer, 4 double order, 5 product order, 6 incompatible product, 16 fraud/chargeback; numeric strings accepted; 100 missing, 101 invalid',
  }),
  comment: Type.Optional(Type.String({ maxLength: MAX_CANCEL_COMMENT, description: `free text kept with the cancellation (first ${MAX_CANCEL_COMMENT} characters, control characters removed)` })),
}, { additionalProperties: true });

const CancelAnswer = Type.Object({
  partnerOrderNumber: Type.Union([Type.String(), Type.Null()], { description: 'as sent; null when it was not text' }),
  orderNumber: Type.Union([Type.Integer(), Type.Null()], { description: 'null when refused' }),
  newDownloadEndDate: Type.Union([Type.String({ format: 'date' }), Type.Null()], { description: 'YYYY-MM-DD: the cancellation date (UTC), the day downloads ended; null when refused' }),
  responseCode: Type.Integer({
    description: '0 OK; 110 partnerOrderNumber missing, 100 reasonCode missing, 101 reasonCode invalid, 1010 order not found, 1011 already cancelled, 1020 cancel period expired (the cancel window of the POS that took the order, 30 days by default, from the time it was received), 1030 unauthorized cancel (a renewal order whose subscription renewed again since)',
  }),
  responseMessage: Type.String(),
});

const DownloadTimeBody = Type.Object({
  partnerOrderNumber: Type.String({ description: 'the order (a JSON integer is read as its digits); 100 missing or not text, 1010 not found, 1011 order cancelled' }),
  value: Type.String({
    description: 'a new last download day YYYY-MM-DD, today (UTC) or later; or a positive ISO 8601 duration of years, months, weeks and days only (P7D, P2W, P1Y2M) added to max(current end, today UTC); 110 missing, 111 invalid (past date, zero, time part, anything else)',
  }),
}, { additionalProperties: true });

const DownloadTimeAnswer = Type.Object({
  partnerOrderNumber: Type.Union([Type.String(), Type.Null()], { description: 'as sent; null when it was not text' }),
  newDownloadEndDate: Type.Union([Type.String({ format: 'date' }), Type.Null()], { description: 'YYYY-MM-DD, the last day (UTC) links work, shown on every line of the order; null when refused' }),
  responseCode: Type.Integer({ description: '0 OK; 100 partnerOrderNumber missing, 110 value missing, 111 value invalid, 1010 order not found, 1011 order cancelled' }),
  responseMessage: Type.String(),
});

/** Whether a character of a comment is kept: not a control character (tab and line breaks apart) nor a lone surrogate, which storage may refuse. */
function isKept(char: string): boolean {
  const code = char.codePointAt(0)!;
  const lineBreak = code === 0x09 || code === 0x0a || code === 0x0d;
  return !((code < 0x20 && !lineBreak) || (code >= 0x7f && code <= 0x9f) || (code >= 0xd800 && code <= 0xdfff));
}

/** The optional comment of a cancellation: text (or a number) cleaned and cut to its limit; null when absent or of another type. */
function readComment(value: unknown): string | null {
  if (isAbsent(value)) return null;
  const text = typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
  const kept = Array.from(text).filter(isKept).join('').trim();
  return kept === '' ? null : Array.from(kept).slice(0, MAX_CANCEL_COMMENT).join('').trim();
}

function readCancelRequest(body: Record<string, unknown>): CancelOrderInput {
  const partnerOrderNumber = readOrderNumber(body.partnerOrderNumber);
  if (partnerOrderNumber === undefined) throw new Refusal(110);
  const reason = readInteger(body.reasonCode, 0, 99);
  if (reason.kind === 'absent') throw new Refusal(100);
  if (reason.kind === 'invalid' || !isCancelReason(reason.value)) throw new Refusal(101);
  return { partnerOrderNumber, reasonCode: reason.value, comment: readComment(body.comment) };
}

function readDownloadTimeRequest(body: Record<string, unknown>): UpdateDownloadTimeInput {
  const partnerOrderNumber = readOrderNumber(body.partnerOrderNumber);
  if (partnerOrderNumber === undefined) throw new Refusal(100);
  if (isAbsent(body.value)) throw new Refusal(110);
  const value = typeof body.value === 'string' ? parseDownloadValue(body.value) : undefined;
  if (value === undefined) throw new Refusal(111);
  return { partnerOrderNumber, value };
}

/** `PUT /connect/order/cancel` (cancelOrder) and `PUT /connect/order/download` (updateDownloadTime). */
export async function orderChangesRoutes(server: FastifyInstance, { app }: { app: App }): Promise<void> {
  connectRoute(server, {
    method: 'PUT',
    url: '/connect/order/cancel',
    operation: 'cancelOrder',
    summary: 'Cancel an order within the cancel window of its point of sale',
    body: CancelBody,
    response: CancelAnswer,
    refusedShape: (request) => ({ partnerOrderNumber: sentOrderNumber(request.body), orderNumber: null, newDownloadEndDate: null }),
    handler: async (request, caller) => {
      const input = readCancelRequest(request.body as Record<string, unknown>);
      const cancelled = await app.units.run((tx) => app.orderChanges.cancelOrder(tx, caller, input));
      return { partnerOrderNumber: cancelled.partnerOrderNumber, orderNumber: cancelled.orderNumber, newDownloadEndDate: cancelled.downloadEndsOn };
    },
  });

  connectRoute(server, {
    method: 'PUT',
    url: '/connect/order/download',
    operation: 'updateDownloadTime',
    summary: 'Set or extend the download window of an order',
    body: DownloadTimeBody,
    response: DownloadTimeAnswer,
    refusedShape: (request) => ({ partnerOrderNumber: sentOrderNumber(request.body), newDownloadEndDate: null }),
    handler: async (request, caller) => {
      const input = readDownloadTimeRequest(request.body as Record<string, unknown>);
      const changed = await app.units.run((tx) => app.orderChanges.updateDownloadTime(tx, caller, input));
      return { partnerOrderNumber: changed.partnerOrderNumber, newDownloadEndDate: changed.downloadEndsOn };
    },
  });
}
