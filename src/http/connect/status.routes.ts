import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { connectRoute } from './route.js';

/** `GET /connect/status`: proves credentials and reachability, like every Connect call. */
export async function statusRoutes(server: FastifyInstance): Promise<void> {
  connectRoute(server, {
    method: 'GET',
    url: '/connect/status',
    operation: 'getStatus',
    summary: 'Service status',
    response: Type.Object({ status: Type.Literal('UP'), responseCode: Type.Integer(), responseMessage: Type.String() }),
    handler: async () => ({ status: 'UP' }),
  });
}
