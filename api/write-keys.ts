import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './http-errors.js';
import { headerOrBodyField } from './request-body.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** `server`: INGEST_WRITE_KEYS, full trust. `client`: INGEST_CLIENT_KEYS, public (web pages, apps). */
export type WriteKeyKind = 'server' | 'client';

/** The kind of a write key, or undefined when it is none of the configured keys. */
export type WriteKeyCheck = (candidate: string) => WriteKeyKind | undefined;

/**
 * Compares in constant time against every configured key of both kinds (a source may rotate
 * keys): every comparison runs, whichever matches. A key listed as both is a server key.
 */
export function writeKeyChecker(
  serverKeys: readonly string[],
  clientKeys: readonly string[] = [],
): WriteKeyCheck {
  const known = [
    ...serverKeys.map((key) => ({ kind: 'server' as const, digest: digest(key) })),
    ...clientKeys.map((key) => ({ kind: 'client' as const, digest: digest(key) })),
  ];
  return (candidate) => {
    const d = digest(candidate);
    let server = false;
    let client = false;
    for (const key of known) {
      const match = timingSafeEqual(key.digest, d);
      if (key.kind === 'server') server = match || server;
      else client = match || client;
    }
    return server ? 'server' : client ? 'client' : undefined;
  };
}

/** Write key from HTTP Basic (user, empty password), the X-Write-Key header, or the body's `writeKey`. */
function writeKeyOf(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
    const user = decoded.split(':')[0];
    if (user) return user;
  }
  return headerOrBodyField(request, 'x-write-key', 'writeKey');
}

/** The kind of the request's write key; 401 when it is missing or unknown. */
export function requireWriteKey(request: FastifyRequest, check: WriteKeyCheck): WriteKeyKind {
  const key = writeKeyOf(request);
  if (!key) {
    throw new HttpError(
      401,
      'missing write key: send it as the HTTP Basic user (empty password), an X-Write-Key header, or "writeKey" in the body',
    );
  }
  const kind = check(key);
  if (!kind) throw new HttpError(401, 'unknown write key');
  return kind;
}

/** The kind of the write key a request carries, if it carries a known one (no error otherwise). */
export function presentedKeyKind(request: FastifyRequest, check: WriteKeyCheck): WriteKeyKind | undefined {
  const key = writeKeyOf(request);
  return key ? check(key) : undefined;
}
