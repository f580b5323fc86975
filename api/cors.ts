import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import { isCorsPath } from './browser-paths.js';
import { HttpError } from './http-errors.js';

/** What a browser call may use: analytics.js sends Basic auth, text/plain and X-Retry-Count. */
const allowedHeaders = ['authorization', 'content-type', 'x-write-key', 'x-user-token', 'x-retry-count'];

/**
 * CORS for the pages of CORS_ALLOWED_ORIGINS, on the ingest and push-subscription paths only.
 * Any other origin or path gets no CORS header at all, and its preflight answers 404: the browser
 * then refuses to send the call. A "simple" request (text/plain, no custom header: classic
 * analytics.js) needs no preflight and the browser sends it anyway, so on these paths a call
 * whose Origin is not allowed is refused here before its body is read: nothing is stored.
 */
export async function registerCors(app: FastifyInstance, allowedOrigins: readonly string[]): Promise<void> {
  const allowed = new Set(allowedOrigins);
  await app.register(cors, {
    delegator: (request, callback) => {
      const origin = request.headers.origin;
      if (origin === undefined || !allowed.has(origin) || !isCorsPath(request.url))
        return callback(null, { origin: false });
      callback(null, {
        origin,
        methods: ['GET', 'POST', 'DELETE'],
        allowedHeaders,
        // Browsers cap this (Chromium at 2 hours); it spares a preflight per event.
        maxAge: 7_200,
      });
    },
  });
  app.addHook('onRequest', async (request) => {
    const origin = request.headers.origin;
    if (request.method === 'OPTIONS' || origin === undefined || allowed.has(origin)) return;
    if (isCorsPath(request.url))
      throw new HttpError(
        403,
        `origin ${origin} may not call this API from a browser: add it to CORS_ALLOWED_ORIGINS`,
      );
  });
}
