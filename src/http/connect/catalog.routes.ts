import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';

export async function catalogRoutes(_server: FastifyInstance, _deps: { app: App }): Promise<void> {}
