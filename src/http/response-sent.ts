import type { FastifyReply } from 'fastify';

/** Resolves true once the whole response was handed to the connection, false if it closed before (the client left). */
export function responseSent(reply: FastifyReply): Promise<boolean> {
  const response = reply.raw;
  return new Promise((resolve) => {
    response.once('finish', () => resolve(true));
    response.once('close', () => resolve(response.writableFinished));
  });
}
