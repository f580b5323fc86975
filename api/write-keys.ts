import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './http-errors.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compares in constant time against every configured key (a source may rotate keys). */
export function writeKeyChecker(keys: readonly string[]): (candidate: string) => boolean {
  const digests = keys.map(digest);
  return (candidate) => {
    const d = digest(candidate);
    let ok = false;
    for (const known of digests) ok = timingSafeEqual(known, d) || ok;
    return ok;
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
  const header = request.headers['x-write-key'];
  if (typeof header === 'string' && header) return header;
  const body = request.body as { writeKey?: unknown } | undefined;
  if (body && typeof body === 'object' && typeof body.writeKey === 'string' && body.writeKey)
    return body.writeKey;
  return undefined;
}

export function requireWriteKey(request: FastifyRequest, isValid: (key: string) => boolean): void {
  const key = writeKeyOf(request);
  if (!key) {
    throw new HttpError(
      401,
      'missing write key: send it as the HTTP Basic user (empty password), an X-Write-Key header, or "writeKey" in the body',
    );
  }
  if (!isValid(key)) throw new HttpError(401, 'unknown write key');
}
