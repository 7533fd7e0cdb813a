import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AccessRefusal, COMMON_ERRORS, FEED_ERRORS, FeedRefusal, findCatalogueEntry, InvalidToken, Refusal, type ErrorKind, type Operation } from '../shared/errors.js';
import type { ConnectRouteConfig } from './connect/route.js';

/** The only place that knows HTTP statuses of errors: the kind of a catalogue entry decides it. */
export function statusOfKind(kind: ErrorKind, successStatus: number): number {
  switch (kind) {
    case 'refusal': return successStatus;
    case 'bad_request': return 400;
    case 'not_found': return 404;
    case 'unauthenticated': return 401;
    case 'forbidden': return 403;
    case 'rate_limited': return 429;
    case 'too_large': return 413;
    case 'internal': return 500;
  }
}

/** The HTTP status of each operation's success answer, which its business refusals share. */
export const SUCCESS_STATUS: Readonly<Record<Operation, 200 | 201>> = {
  getStatus: 200,
  getCategories: 200,
  getOsList: 200,
  getStockStatus: 200,
  getCrossUpSell: 200,
  createOrder: 201,
  getOrderData: 200,
  cancelOrder: 200,
  updateDownloadTime: 200,
  getDownloadInfo: 200,
  getSubscriptionStatus: 200,
  cancelSubscription: 200,
  renewSubscription: 200,
};

export const INVALID_TOKEN_BODY = { status: 401, error: 'Unauthorized', message: 'Authentication Failed: JWT token is not valid' };

/** Fastify's own errors for an unreadable body: each is a client mistake, never a 500. */
const MALFORMED_BODY_CODES = new Set([
  'FST_ERR_CTP_INVALID_MEDIA_TYPE', 'FST_ERR_CTP_INVALID_JSON_BODY', 'FST_ERR_CTP_EMPTY_JSON_BODY',
  'FST_ERR_CTP_INVALID_CONTENT_LENGTH', 'FST_ERR_VALIDATION', 'FST_ERR_CTP_INVALID_TYPE',
]);

function connectConfig(request: FastifyRequest): ConnectRouteConfig | undefined {
  const config = request.routeOptions.config as Partial<ConnectRouteConfig> | undefined;
  return config?.operation ? (config as ConnectRouteConfig) : undefined;
}

/** Body of a refused Connect call: the operation's success keys (identifiers echoed, null, []) plus the code. */
function refusedBody(request: FastifyRequest, route: ConnectRouteConfig, code: number, details: Readonly<Record<string, unknown>>) {
  const entry = findCatalogueEntry(route.operation, code);
  const message = entry?.message ?? 'refused';
  const shape = route.refusedShape(request, details);
  return route.codeKeys === 'code'
    ? { ...shape, code, message }
    : { ...shape, responseCode: code, responseMessage: message };
}

function bare(code: number) {
  return { responseCode: code, responseMessage: COMMON_ERRORS[code]!.message };
}

export function installErrorHandler(server: FastifyInstance): void {
  server.setErrorHandler((thrown: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const error = thrown as FastifyError;
    const route = connectConfig(request);
    if (thrown instanceof InvalidToken) return reply.status(401).send(INVALID_TOKEN_BODY);
    if (thrown instanceof FeedRefusal) {
      return reply.status(statusOfKind(FEED_ERRORS[thrown.reason].kind, 200)).type('text/plain; charset=utf-8').send(`${thrown.message}\n`);
    }
    if (thrown instanceof AccessRefusal) {
      if (thrown.retryAfterSeconds !== undefined) void reply.header('retry-after', String(thrown.retryAfterSeconds));
      return reply.status(statusOfKind(COMMON_ERRORS[thrown.code]!.kind, 200)).send(bare(thrown.code));
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413) return reply.status(413).send(bare(1001));
    if (route && thrown instanceof Refusal && findCatalogueEntry(route.operation, thrown.code)) {
      return reply.status(route.successStatus).send(refusedBody(request, route, thrown.code, thrown.details));
    }
    if (route && MALFORMED_BODY_CODES.has(error.code)) {
      return reply.status(route.successStatus).send(refusedBody(request, route, 1002, {}));
    }
    if (!route && error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(error.statusCode).send({ statusCode: error.statusCode, error: 'Bad Request', message: error.message });
    }
    request.log.error({ err: error }, 'unexpected error');
    return reply.status(500).send(bare(1000));
  });
}
