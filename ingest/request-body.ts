import { gunzipSync, inflateSync } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './http-errors.js';

/** Segment's limits: 32 KB for one event, 500 KB for a batch (after decompression). */
export const limits = { eventBytes: 32 * 1024, batchBytes: 500 * 1024, compressedBytes: 1024 * 1024 } as const;

declare module 'fastify' {
  interface FastifyRequest {
    /** Size of the JSON body after decompression. */
    bodyBytes?: number;
  }
}

function decode(request: FastifyRequest, raw: Buffer): Buffer {
  const encoding = String(request.headers['content-encoding'] ?? 'identity').toLowerCase();
  const options = { maxOutputLength: limits.batchBytes + 1 };
  try {
    if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(raw, options);
    if (encoding === 'deflate') return inflateSync(raw, options);
  } catch (error) {
    if (error instanceof RangeError || (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new HttpError(413, `the body is larger than ${limits.batchBytes / 1024} KB once decompressed (limit: 500 KB per batch)`);
    }
    throw new HttpError(400, `the body is not valid ${encoding} data`);
  }
  if (encoding === 'identity') return raw;
  throw new HttpError(415, `content-encoding ${encoding} is not supported (use gzip or none)`);
}

/**
 * JSON bodies, plain or gzip/deflate-compressed (RudderStack gzips by default). Browsers send
 * Segment calls as text/plain to skip CORS preflight, so that is JSON too.
 */
export function registerJsonBodies(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(
    ['application/json', 'text/plain'],
    { parseAs: 'buffer', bodyLimit: limits.compressedBytes },
    (request, raw: Buffer, done) => {
      try {
        const body = decode(request, raw);
        request.bodyBytes = body.length;
        if (body.length > limits.batchBytes) {
          throw new HttpError(413, `the body is ${body.length} bytes; the limit is 500 KB per batch`);
        }
        try {
          done(null, JSON.parse(body.toString('utf8')));
        } catch (error) {
          throw new HttpError(400, `malformed JSON: ${(error as Error).message}`);
        }
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
}
