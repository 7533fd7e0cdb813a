import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller, TokensService } from '../domains/partners/index.js';
import type { Db } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';
import { AccessRefusal } from '../shared/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header && /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : undefined;
}

function secretHeader(request: FastifyRequest): string | undefined {
  const value = request.headers.secret;
  return (Array.isArray(value) ? value[0] : value)?.trim();
}

/**
 * Guards every route registered in `scope`, before the body is read: JWT, then POS secret (70/71),
 * then IP allow-list (72), then the POS rate limit (73).
 */
export async function guardConnectRoutes(scope: FastifyInstance, deps: { db: Db; tokens: TokensService; clock: Clock }): Promise<void> {
  scope.addHook('onRequest', async (request) => {
    const claims = await deps.tokens.verifyAccessToken(bearerToken(request));
    request.caller = await deps.tokens.authenticateCall(deps.db, claims, secretHeader(request), request.ip);
  });
  await scope.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    timeWindow: WINDOW_MS,
    max: (request) => request.caller?.pos.rateLimit ?? Number.MAX_SAFE_INTEGER,
    keyGenerator: (request) => `pos:${request.caller?.pos.id ?? 0}`,
    allowList: (request) => !request.caller?.pos.rateLimit,
    store: clockStore(deps.clock),
    errorResponseBuilder: (_request, context) => new AccessRefusal(73, Math.max(1, Math.ceil(context.ttl / 1000))),
  });
}

const WINDOW_MS = 1000;

type Window = { current: number; ttl: number; startedAt: number };

/** The rate limiter's window store, on the server's clock (fixed windows per POS, in this process). */
function clockStore(clock: Clock) {
  return class ClockStore {
    private readonly windows = new Map<string, Window>();

    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void): void {
      const now = clock.now().getTime();
      let window = this.windows.get(key);
      if (!window || window.startedAt + WINDOW_MS <= now) {
        window = { current: 0, ttl: WINDOW_MS, startedAt: now };
        this.windows.set(key, window);
      }
      window.current += 1;
      window.ttl = window.startedAt + WINDOW_MS - now;
      callback(null, { current: window.current, ttl: window.ttl });
    }

    child(): ClockStore {
      return new ClockStore();
    }
  };
}
