import formbody from '@fastify/formbody';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { TokenRefusal, type TokenRequest } from '../domains/partners/index.js';
import type { App } from '../app.js';
import { INVALID_TOKEN_BODY } from './error-handler.js';
import { isPlainObject } from './connect/route.js';
import { hasUnstorableCharacter } from '../shared/text.js';

const TokenBody = Type.Object({
  realmName: Type.Optional(Type.String({ description: 'also accepted as `realm`' })),
  clientSecret: Type.Optional(Type.String({ description: 'also accepted as `client_secret`' })),
  grantType: Type.Optional(Type.Union([Type.Literal('client_credentials'), Type.Literal('refresh_token')], { description: 'also accepted as `grant_type`' })),
  refreshToken: Type.Optional(Type.String({ description: 'also accepted as `refresh_token`' })),
});

const TokenAnswer = Type.Object({
  access_token: Type.String(),
  expires_in: Type.Integer(),
  refresh_expires_in: Type.Integer(),
  refresh_token: Type.String(),
  token_type: Type.Literal('bearer'),
  'not-before-policy': Type.Integer(),
  session_state: Type.String({ format: 'uuid' }),
});

const TokenError = Type.Object({ error: Type.String({ description: 'invalid_request, unsupported_grant_type, invalid_grant (400); invalid_client (401)' }) });

/** A credential field in either spelling; text with characters no credential holds is a malformed request. */
function field(body: Record<string, unknown>, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = body[name];
    if (typeof value !== 'string' || value.trim() === '') continue;
    if (hasUnstorableCharacter(value)) throw new TokenRefusal('invalid_request');
    return value.trim();
  }
  return undefined;
}

/** Reads a token request in either spelling (camelCase or snake_case); throws TokenRefusal. */
function readTokenRequest(body: unknown): TokenRequest {
  if (!isPlainObject(body)) throw new TokenRefusal('invalid_request');
  const grantType = field(body, 'grantType', 'grant_type');
  const realmName = field(body, 'realmName', 'realm');
  if (!grantType) throw new TokenRefusal('invalid_request');
  if (grantType === 'client_credentials') {
    const clientSecret = field(body, 'clientSecret', 'client_secret');
    if (!realmName || !clientSecret) throw new TokenRefusal('invalid_request');
    return { grantType, realmName, clientSecret };
  }
  if (grantType === 'refresh_token') {
    const refreshToken = field(body, 'refreshToken', 'refresh_token');
    if (!realmName || !refreshToken) throw new TokenRefusal('invalid_request');
    return { grantType, realmName, refreshToken };
  }
  throw new TokenRefusal('unsupported_grant_type');
}

function refuse(reply: FastifyReply, refusal: TokenRefusal) {
  return reply.status(refusal.error === 'invalid_client' ? 401 : 400).send({ error: refusal.error });
}

/** The token service: JSON or form-encoded bodies, OAuth-style errors. */
export async function iamRoutes(server: FastifyInstance, { app }: { app: App }): Promise<void> {
  // Form bodies are the token service's only: in this plugin's scope, so Connect routes refuse them (1002).
  await server.register(formbody);
  server.post('/iam/tokens', {
    schema: { summary: 'Get an access token', tags: ['iam'], body: TokenBody, response: { 200: TokenAnswer, 400: TokenError, 401: TokenError, 500: TokenError } },
    validatorCompiler: () => (value: unknown) => ({ value }),
    errorHandler: (error, request, reply) => {
      if (error instanceof TokenRefusal) return refuse(reply, error);
      if ((error.statusCode ?? 500) < 500) return refuse(reply, new TokenRefusal('invalid_request'));
      request.log.error({ err: error }, 'token service error');
      return reply.status(500).send({ error: 'server_error' });
    },
  }, async (request, reply) => {
    const grant = await app.db.transaction().execute((tx) => app.tokens.issueToken(tx, readTokenRequest(request.body)));
    return reply.status(200).send(grant);
  });

  for (const path of ['/iam/tokens/reset', '/iam/tokens/invalidate']) {
    server.delete(path, {
      schema: { summary: 'End the session of a token', tags: ['iam'], security: [{ bearer: [] }] },
    }, async (request, reply) => {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
      let claims;
      try {
        claims = await app.tokens.verifyAccessToken(match?.[1]);
      } catch {
        return reply.status(401).send(INVALID_TOKEN_BODY);
      }
      await app.tokens.endSession(app.db, claims);
      return reply.status(204).send();
    });
  }
}
