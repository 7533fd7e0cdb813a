import { createSecretKey } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { Tx } from '../../db/schema.js';
import type { Clock } from '../../shared/clock.js';
import { AccessRefusal, InvalidToken } from '../../shared/errors.js';
import { generateSecret, generateUuid } from '../../shared/ids.js';
import type { Keyring } from '../../shared/keyring.js';
import { setWithin } from '../../shared/bounded-map.js';
import { isIpAllowed, type Partner, type PointOfSale } from './partner.js';
import { findCallCredentials, findPartnerByRealm, findPartnersVersion, findPosBySecretDigest, findValidClientSecret, isClientSecretValid } from './partners.repository.js';

export const ACCESS_TOKEN_SECONDS = 300;
export const REFRESH_TOKEN_SECONDS = 1800;

export type TokenGrant = {
  access_token: string;
  expires_in: number;
  refresh_expires_in: number;
  refresh_token: string;
  token_type: 'bearer';
  'not-before-policy': 0;
  session_state: string;
};

/** Why the token service refused: the OAuth error name it answers with. */
export class TokenRefusal extends Error {
  constructor(readonly error: 'invalid_request' | 'unsupported_grant_type' | 'invalid_grant' | 'invalid_client') {
    super(error);
    this.name = 'TokenRefusal';
  }
}

export type TokenRequest =
  | { grantType: 'client_credentials'; realmName: string; clientSecret: string }
  | { grantType: 'refresh_token'; realmName: string; refreshToken: string };

export type AccessClaims = { partnerId: number; clientSecretId: number; sessionId: string };

/** Who is calling a Connect route, once the JWT and the POS secret have been checked. */
export type Caller = { partner: Partner; pos: PointOfSale };

/** Verified access tokens, and the callers of credential pairs, remembered per process (oldest forgotten first). */
const VERIFIED_TOKENS = 10_000;
const KNOWN_CALLERS = 10_000;

/** A caller found for a client secret and POS secret, while the partners version and both secrets last. */
type KnownCaller = { caller: Caller; version: string; validUntil: number };

/** The token service (Keycloak-like, as Nexway's) and the credential checks of every Connect call. */
export function tokensService({ keyring, clock }: { keyring: Keyring; clock: Clock }) {
  // Imported once: jose would import raw key bytes again at every signature and verification.
  const jwtKey = createSecretKey(keyring.jwtKey);
  const verified = new Map<string, { claims: AccessClaims; expiresAt: number }>();
  const knownCallers = new Map<string, KnownCaller>();

  /**
   * The caller of a client secret and a POS secret: remembered while no partner, POS or secret
   * changed (the partners version, one indexed read) and neither secret expired, because the query
   * behind it, and even the secret's digest, cost more than the rest of a stock call. Only pairs that
   * found a caller are remembered. Undefined when the client secret is not valid.
   */
  async function callerOf(tx: Tx, clientSecretId: number, posSecret: string, now: Date): Promise<{ caller: Caller | undefined } | undefined> {
    // Read before the credentials: a change committed in between is seen by the next call.
    const version = await findPartnersVersion(tx);
    const key = `${clientSecretId} ${posSecret}`;
    const known = knownCallers.get(key);
    if (known && known.version === version && known.validUntil > now.getTime()) return known;
    const credentials = await findCallCredentials(tx, clientSecretId, keyring.digest(posSecret), now);
    if (credentials?.caller) setWithin(knownCallers, key, { caller: credentials.caller, version, validUntil: credentials.validUntil }, KNOWN_CALLERS);
    else knownCallers.delete(key);
    return credentials;
  }
  async function signAccess(claims: AccessClaims): Promise<string> {
    const now = Math.floor(clock.now().getTime() / 1000);
    return new SignJWT({ csid: claims.clientSecretId, sid: claims.sessionId, typ: 'Bearer' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(String(claims.partnerId))
      .setIssuedAt(now)
      .setExpirationTime(now + ACCESS_TOKEN_SECONDS)
      .sign(jwtKey);
  }

  async function grant(tx: Tx, claims: AccessClaims): Promise<TokenGrant> {
    const refreshToken = generateSecret(48);
    const now = clock.now();
    const refreshExpiresAt = new Date(now.getTime() + REFRESH_TOKEN_SECONDS * 1000).toISOString();
    await tx.insertInto('iam_sessions')
      .values({ id: claims.sessionId, partner_id: claims.partnerId, client_secret_id: claims.clientSecretId, refresh_digest: keyring.digest(refreshToken), refresh_expires_at: refreshExpiresAt, ended_at: null, created_at: now.toISOString() })
      .onConflict((oc) => oc.column('id').doUpdateSet({ refresh_digest: keyring.digest(refreshToken), refresh_expires_at: refreshExpiresAt }))
      .execute();
    return {
      access_token: await signAccess(claims),
      expires_in: ACCESS_TOKEN_SECONDS,
      refresh_expires_in: REFRESH_TOKEN_SECONDS,
      refresh_token: refreshToken,
      token_type: 'bearer',
      'not-before-policy': 0,
      session_state: claims.sessionId,
    };
  }

  return {
    /** Issues tokens for a client-credentials or refresh grant; throws TokenRefusal. */
    async issueToken(tx: Tx, request: TokenRequest): Promise<TokenGrant> {
      const now = clock.now();
      const partner = await findPartnerByRealm(tx, request.realmName);
      if (request.grantType === 'client_credentials') {
        const secret = await findValidClientSecret(tx, keyring.digest(request.clientSecret), now);
        if (!partner || !secret || secret.partnerId !== partner.id) throw new TokenRefusal('invalid_client');
        return grant(tx, { partnerId: partner.id, clientSecretId: secret.id, sessionId: generateUuid() });
      }
      const session = await tx.selectFrom('iam_sessions').selectAll()
        .where('refresh_digest', '=', keyring.digest(request.refreshToken)).executeTakeFirst();
      const usable = session && partner && session.partner_id === partner.id && session.ended_at === null
        && session.refresh_expires_at > now.toISOString() && (await isClientSecretValid(tx, session.client_secret_id, now));
      if (!usable) throw new TokenRefusal('invalid_grant');
      // Each refresh replaces the refresh token of the session: the old one stops working.
      return grant(tx, { partnerId: session.partner_id, clientSecretId: session.client_secret_id, sessionId: session.id });
    },

    /** Ends the session of an access token: its refresh token stops working; access tokens run out. */
    async endSession(tx: Tx, claims: AccessClaims): Promise<void> {
      await tx.updateTable('iam_sessions').set({ ended_at: clock.now().toISOString() }).where('id', '=', claims.sessionId).where('ended_at', 'is', null).execute();
    },

    /**
     * Verifies an access token's signature and expiry; throws InvalidToken. A token whose signature
     * was verified is remembered until it expires: a shop sends the same token for minutes, and
     * checking its signature again costs more than the rest of a stock call.
     */
    async verifyAccessToken(token: string | undefined): Promise<AccessClaims> {
      if (!token) throw new InvalidToken();
      const now = clock.now();
      const known = verified.get(token);
      if (known) {
        if (known.expiresAt > now.getTime()) return known.claims;
        verified.delete(token);
      }
      try {
        const { payload } = await jwtVerify(token, jwtKey, { algorithms: ['HS256'], currentDate: now });
        const partnerId = Number(payload.sub);
        if (!Number.isInteger(partnerId) || typeof payload.csid !== 'number' || typeof payload.sid !== 'string' || typeof payload.exp !== 'number') throw new InvalidToken();
        const claims = { partnerId, clientSecretId: payload.csid, sessionId: payload.sid };
        setWithin(verified, token, { claims, expiresAt: payload.exp * 1000 }, VERIFIED_TOKENS);
        return claims;
      } catch {
        throw new InvalidToken();
      }
    },

    /** The POS (with its partner) of a valid POS secret, or undefined: feeds are fetched with the secret alone. */
    async findCallerBySecret(tx: Tx, posSecret: string): Promise<Caller | undefined> {
      return posSecret === '' ? undefined : findPosBySecretDigest(tx, keyring.digest(posSecret), clock.now());
    },

    /**
     * The checks of every Connect call after the JWT signature, in the contract's order: revoked client
     * secret (InvalidToken), POS secret missing (70), unknown, foreign or suspended (71), IP (72).
     */
    async authenticateCall(tx: Tx, claims: AccessClaims, posSecret: string | undefined, callerIp: string): Promise<Caller> {
      const now = clock.now();
      if (posSecret === undefined || posSecret === '') {
        if (!(await isClientSecretValid(tx, claims.clientSecretId, now))) throw new InvalidToken();
        throw new AccessRefusal(70);
      }
      const credentials = await callerOf(tx, claims.clientSecretId, posSecret, now);
      if (!credentials) throw new InvalidToken();
      const found = credentials.caller;
      if (!found || found.partner.id !== claims.partnerId || found.partner.suspended || found.pos.suspended) throw new AccessRefusal(71);
      if (!isIpAllowed(found.pos.ipAllowList, callerIp)) throw new AccessRefusal(72);
      return found;
    },
  };
}

export type TokensService = ReturnType<typeof tokensService>;
