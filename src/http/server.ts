import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { App } from '../app.js';
import { redactUrl } from '../logger.js';
import { guardConnectRoutes } from './auth.js';
import { downloadsRoutes } from './downloads.routes.js';
import { feedsRoutes } from './feeds.routes.js';
import { installErrorHandler } from './error-handler.js';
import { healthRoutes } from './health.routes.js';
import { iamRoutes } from './iam.routes.js';
import { installMetrics } from './metrics.js';
import { catalogRoutes } from './connect/catalog.routes.js';
import { offersRoutes } from './connect/offers.routes.js';
import { orderChangesRoutes } from './connect/order-changes.routes.js';
import { downloadInfoRoutes } from './connect/download-info.routes.js';
import { ordersRoutes } from './connect/orders.routes.js';
import { statusRoutes } from './connect/status.routes.js';
import { stockRoutes } from './connect/stock.routes.js';
import { subscriptionsRoutes } from './connect/subscriptions.routes.js';

export type ConnectRouteInfo = { method: string; url: string; operation: string };

declare module 'fastify' {
  interface FastifyInstance {
    connectRoutes: ConnectRouteInfo[];
  }
}

/** Unknown paths: Fastify's own 404 would log the raw URL, which may carry a feed secret. */
function notFound(request: FastifyRequest, reply: FastifyReply) {
  return reply.status(404).send({ statusCode: 404, error: 'Not Found', message: `no route ${request.method} ${redactUrl(request.url.split('?')[0] ?? '')}` });
}

export const BODY_LIMIT = 1024 * 1024;

/** The HTTP face of an App: partner API, token service, docs, health and metrics. */
export async function buildServer(app: App, logger: Logger | false = false): Promise<FastifyInstance> {
  const server = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    bodyLimit: BODY_LIMIT,
    trustProxy: false,
    // Any path parameter that fits in a request line reaches its route (a long unknown number: 1010).
    routerOptions: { maxParamLength: 16_384 },
    // A URL that cannot be decoded matches no route: answered like any unknown path.
    frameworkErrors: (_error, request, reply) => void notFound(request, reply),
  }) as unknown as FastifyInstance;

  // Every Connect route, as registered: the auth table test and the OpenAPI test iterate over it.
  const connectRoutes: ConnectRouteInfo[] = [];
  server.decorate('connectRoutes', connectRoutes);
  server.addHook('onRoute', (route) => {
    const operation = (route.config as { operation?: string } | undefined)?.operation;
    if (!operation) return;
    for (const method of [route.method].flat()) connectRoutes.push({ method: String(method), url: route.url, operation });
  });

  installErrorHandler(server);
  server.setNotFoundHandler(notFound);
  installMetrics(server, app.config.metricsToken, app.units);
  await server.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'resell partner API (Nexway Connect v3.0 compatible)', version: '3.0' },
      servers: [{ url: app.config.publicUrl }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          secret: { type: 'apiKey', in: 'header', name: 'secret' },
        },
      },
    },
  });
  await server.register(swaggerUi, { routePrefix: '/docs' });

  await server.register(healthRoutes, { app });
  await server.register(iamRoutes, { app });
  await server.register(downloadsRoutes, { app });
  await server.register(feedsRoutes, { app });
  await server.register(async (connect) => {
    await guardConnectRoutes(connect, { db: app.readDb, tokens: app.tokens, clock: app.clock });
    await connect.register(statusRoutes);
    await connect.register(catalogRoutes, { app });
    await connect.register(stockRoutes, { app });
    await connect.register(offersRoutes, { app });
    await connect.register(ordersRoutes, { app });
    await connect.register(subscriptionsRoutes, { app });
    await connect.register(downloadInfoRoutes, { app });
    await connect.register(orderChangesRoutes, { app });
  });

  server.get('/connect/openapi.json', { schema: { hide: true } }, async () => server.swagger());
  return server;
}
