import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { App } from '../app.js';
import { guardConnectRoutes } from './auth.js';
import { installErrorHandler } from './error-handler.js';
import { healthRoutes } from './health.routes.js';
import { iamRoutes } from './iam.routes.js';
import { installMetrics } from './metrics.js';
import { catalogRoutes } from './connect/catalog.routes.js';
import { offersRoutes } from './connect/offers.routes.js';
import { statusRoutes } from './connect/status.routes.js';
import { stockRoutes } from './connect/stock.routes.js';

export const BODY_LIMIT = 1024 * 1024;

/** The HTTP face of an App: partner API, token service, docs, health and metrics. */
export async function buildServer(app: App, logger: Logger | false = false): Promise<FastifyInstance> {
  const server = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    bodyLimit: BODY_LIMIT,
    trustProxy: false,
  }) as unknown as FastifyInstance;

  installErrorHandler(server);
  installMetrics(server, app.config.metricsToken);
  await server.register(formbody);
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
  await server.register(async (connect) => {
    await guardConnectRoutes(connect, { db: app.db, tokens: app.tokens, clock: app.clock });
    await connect.register(statusRoutes);
    await connect.register(catalogRoutes, { app });
    await connect.register(stockRoutes, { app });
    await connect.register(offersRoutes, { app });
  });

  server.get('/connect/openapi.json', { schema: { hide: true } }, async () => server.swagger());
  return server;
}
