import { gunzipSync, inflateSync } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findUnstorableText } from '../domain/json-text.js';
import { HttpError } from './http-errors.js';

/** Segment's limits: 32 KB for one event, 500 KB for a batch (after decompression). */
export const limits = {
  eventBytes: 32 * 1024,
  batchBytes: 500 * 1024,
  compressedBytes: 1024 * 1024,
} as const;

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
      throw new HttpError(
        413,
        `the body is larger than ${limits.batchBytes / 1024} KB once decompressed (limit: 500 KB per batch)`,
      );
    }
    throw new HttpError(400, `the body is not valid ${encoding} data`);
  }
  if (encoding === 'identity') return raw;
  throw new HttpError(415, `content-encoding ${encoding} is not supported (use gzip or none)`);
}

/** Segment-format endpoints take JSON whatever the declared content type. */
const isSegmentPath = (url: string) => url.startsWith('/v1/');

function parseBody(request: FastifyRequest, raw: Buffer): unknown {
  const body = decode(request, raw);
  request.bodyBytes = body.length;
  if (body.length > limits.batchBytes) {
    throw new HttpError(413, `the body is ${body.length} bytes; the limit is 500 KB per batch`);
  }
  const text = body.toString('utf8');
  const type = String(request.headers['content-type'] ?? '');
  if (type.startsWith('application/x-www-form-urlencoded') && !isSegmentPath(request.url)) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `malformed JSON: ${(error as Error).message}`);
  }
  const unstorable = findUnstorableText(parsed);
  if (unstorable) throw new HttpError(400, `${unstorable.path}: ${unstorable.message}`, [unstorable]);
  return parsed;
}

/**
 * Bodies, plain or gzip/deflate-compressed. JSON as application/json; browsers send Segment calls
 * as text/plain to skip CORS preflight, and the RudderStack node client sends gzipped JSON labelled
 * application/x-www-form-urlencoded, so on /v1/ routes those are JSON too. Elsewhere (Twilio
 * webhooks, one-click unsubscribe) a form is a form.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(
    ['application/json', 'text/plain', 'application/x-www-form-urlencoded'],
    { parseAs: 'buffer', bodyLimit: limits.compressedBytes },
    (request, raw: Buffer, done) => {
      try {
        done(null, parseBody(request, raw));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
}

/** A credential sent as a header or, for clients that cannot set headers (sendBeacon), a body field. */
export function headerOrBodyField(
  request: FastifyRequest,
  header: string,
  field: string,
): string | undefined {
  const value = request.headers[header];
  if (typeof value === 'string' && value) return value;
  const body = request.body as Record<string, unknown> | undefined;
  const inBody = body && typeof body === 'object' ? body[field] : undefined;
  return typeof inBody === 'string' && inBody ? inBody : undefined;
}
