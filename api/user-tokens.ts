import { errors, jwtVerify } from 'jose';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './http-errors.js';
import { headerOrBodyField } from './request-body.js';

/**
 * A signed user token lets a client key act for one known user: an HS256 JWT signed by the
 * shop's server with USER_TOKEN_SECRET, `sub` the userId, `exp` required (keep it short).
 */
export type UserTokenVerifier = (token: string) => Promise<string>;

/** Verifies a token and returns its `sub`; 401 naming the problem otherwise. */
export function userTokenVerifier(secret: string | undefined): UserTokenVerifier {
  const key = secret ? new TextEncoder().encode(secret) : undefined;
  return async (token) => {
    if (!key) throw new HttpError(401, 'user tokens are not accepted: USER_TOKEN_SECRET is not set');
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        requiredClaims: ['exp', 'sub'],
      });
      if (typeof payload.sub !== 'string' || payload.sub === '')
        throw new HttpError(401, 'user token has no sub (the userId)');
      return payload.sub;
    } catch (error) {
      if (error instanceof HttpError) throw error;
      if (error instanceof errors.JWTExpired) throw new HttpError(401, 'user token expired');
      if (error instanceof errors.JWSSignatureVerificationFailed)
        throw new HttpError(401, 'user token signature is invalid');
      if (error instanceof errors.JWTClaimValidationFailed)
        throw new HttpError(401, `user token is invalid: ${error.message}`);
      throw new HttpError(401, 'user token is invalid: not an HS256 JWT');
    }
  };
}

/** The token from the X-User-Token header or the body's `userToken`, if any. */
export function userTokenOf(request: FastifyRequest): string | undefined {
  return headerOrBodyField(request, 'x-user-token', 'userToken');
}

/**
 * The userId a client request may act for with server trust for identity claims, from a valid
 * token whose `sub` is the userId of every message that names one. Undefined without a token.
 */
export async function tokenUser(
  request: FastifyRequest,
  verify: UserTokenVerifier,
  userIds: readonly (string | null | undefined)[],
): Promise<string | undefined> {
  const token = userTokenOf(request);
  if (token === undefined) return undefined;
  const sub = await verify(token);
  if (userIds.some((userId) => userId !== null && userId !== undefined && String(userId) !== sub))
    throw new HttpError(401, "user token is for another user: its sub is not the message's userId");
  return sub;
}
