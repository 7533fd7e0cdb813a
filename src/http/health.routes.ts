import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { App } from '../app.js';

/** `GET /healthz` without authentication: 200 when the database answers, 503 otherwise. */
export async function healthRoutes(server: FastifyInstance, { app }: { app: App }): Promise<void> {
  server.get('/healthz', { schema: { summary: 'Liveness and database check', tags: ['health'] } }, async (request, reply) => {
    try {
      await sql`select 1`.execute(app.db);
      return reply.send({ status: 'UP' });
    } catch (error) {
      request.log.warn({ err: error }, 'database check failed');
      return reply.status(503).send({ status: 'DOWN' });
    }
  });
}
