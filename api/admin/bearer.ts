import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../http-errors.js';

/** Compares hashes in constant time, so the token's length and prefix do not leak through timing. */
export function bearerCheck(adminToken: string) {
  const expected = createHash('sha256').update(adminToken).digest();
  return async (request: FastifyRequest) => {
    const header = request.headers.authorization ?? '';
    const given = createHash('sha256')
      .update(header.startsWith('Bearer ') ? header.slice(7) : '')
      .digest();
    if (!header.startsWith('Bearer ') || !timingSafeEqual(given, expected)) {
      throw new HttpError(401, 'admin API: send Authorization: Bearer <ADMIN_API_TOKEN>');
    }
  };
}
