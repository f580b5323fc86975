import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  problemsOf,
  segmentBatch,
  segmentMessage,
  type InputProblem,
  type SegmentMessage,
  type SegmentMessageType,
} from '../domain/segment-message.js';
import { acceptMessages, type AcceptDeps } from './accept-messages.js';
import { HttpError } from './http-errors.js';
import { batchItemsRefused } from '../infra/metrics.js';
import { limits } from './request-body.js';
import { shortPathsOf, withShortPaths } from './browser-paths.js';
import { tokenUser, type UserTokenVerifier } from './user-tokens.js';
import { requireWriteKey, type WriteKeyCheck, type WriteKeyKind } from './write-keys.js';
import { plainError } from '../domain/plain-error.js';
import { segmentBatchSchema, segmentCallSchema } from './segment-route-docs.js';

function invalid(problems: InputProblem[]): HttpError {
  const first = problems[0];
  return new HttpError(400, first ? `${first.path}: ${first.message}` : 'invalid body', problems);
}

function asObject(body: unknown, where: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, `${where}: expected a JSON object`, [
      { path: where, message: 'expected a JSON object' },
    ]);
  }
  return body as Record<string, unknown>;
}

function parseMessage(
  raw: unknown,
  path: string,
  defaults: Record<string, unknown>,
  type?: SegmentMessageType,
): SegmentMessage {
  const object = asObject(raw, path || '(body)');
  const candidate: Record<string, unknown> = { ...defaults, ...object, ...(type ? { type } : {}) };
  if (defaults.context && object.context && typeof object.context === 'object') {
    candidate.context = { ...(defaults.context as object), ...(object.context as object) };
  }
  const parsed = segmentMessage.safeParse(candidate, { error: plainError });
  if (!parsed.success) throw invalid(problemsOf(parsed.error, path));
  return parsed.data;
}

function eventSize(raw: unknown): number {
  return Buffer.byteLength(JSON.stringify(raw) ?? '', 'utf8');
}

/** A client key cannot alias: an alias merges two people, whoever they are. */
function refuseClientAlias(kind: WriteKeyKind, messages: readonly SegmentMessage[]): void {
  if (kind === 'client' && messages.some((message) => message.type === 'alias'))
    throw new HttpError(403, 'alias needs a server write key');
}

/**
 * The Segment Tracking API: one endpoint per call type, plus batch. Every reply is
 * `{ "success": true }`, plus how many messages were new and how many were already stored, plus
 * `ignored` when a client write key sent what only a server key may (consent, others' identities).
 */
export function registerSegmentRoutes(
  app: FastifyInstance,
  deps: AcceptDeps & { isWriteKey: WriteKeyCheck; verifyUserToken: UserTokenVerifier },
) {
  const accept = async (
    request: FastifyRequest,
    messages: SegmentMessage[],
    kind: WriteKeyKind,
    { route = true, batch }: { route?: boolean; batch?: readonly number[] } = {},
  ) => {
    refuseClientAlias(kind, messages);
    // A server key needs no token; a client's token must name the messages' userId.
    const tokenUserId =
      kind === 'client'
        ? await tokenUser(
            request,
            deps.verifyUserToken,
            messages.map((message) => message.userId),
          )
        : undefined;
    const receivedAt = (await deps.clock?.()) ?? new Date();
    const { stored, duplicates, ignored } = await acceptMessages(deps, messages, receivedAt, {
      route,
      trust: kind,
      batch,
      tokenUserId,
    });
    return { success: true, stored, duplicates, ...(ignored.length > 0 ? { ignored } : {}) };
  };

  // Each call also answers on analytics.js's short paths (/t, /v1/t, …): the same handler.
  for (const [type, url] of withShortPaths(['identify', 'track', 'page', 'screen', 'group', 'alias'])) {
    app.post(url, { schema: segmentCallSchema(type) }, async (request) => {
      const kind = requireWriteKey(request, deps.isWriteKey);
      const size = request.bodyBytes ?? eventSize(request.body);
      if (size > limits.eventBytes) {
        throw new HttpError(413, `the event is ${size} bytes; the limit is 32 KB per event`);
      }
      return accept(request, [parseMessage(request.body, '', {}, type)], kind);
    });
  }

  for (const path of ['/v1/batch', '/v1/import', ...shortPathsOf('batch')]) {
    app.post(
      path,
      { schema: segmentBatchSchema(path === '/v1/import' ? path : '/v1/batch') },
      async (request) => {
        const kind = requireWriteKey(request, deps.isWriteKey);
        // History rewrites profiles wholesale: only the shop's server may send it.
        if (kind === 'client' && path === '/v1/import')
          throw new HttpError(403, 'import needs a server write key');
        const parsed = segmentBatch.safeParse(request.body, { error: plainError });
        if (!parsed.success) throw invalid(problemsOf(parsed.error));
        const { batch, context, integrations, sentAt } = parsed.data;
        const defaults: Record<string, unknown> = {};
        if (context) defaults.context = context;
        if (integrations) defaults.integrations = integrations;
        if (sentAt) defaults.sentAt = sentAt.toISOString();
        const items = batch.map((raw, index) => batchItem(raw, index, defaults, kind));
        const refused = items.filter((item) => item instanceof HttpError);
        // Strict: any bad call refuses the whole batch, as the single-call endpoints do; nothing is written.
        if (refused[0] && (isStrict(request) || refused.length === items.length)) throw refused[0];
        const taken = items.flatMap((item, index) => (item instanceof HttpError ? [] : [{ item, index }]));
        // /v1/import is for history: profiles and timelines take it in, journeys do not react to it.
        const reply = await accept(
          request,
          taken.map(({ item }) => item),
          kind,
          { route: path !== '/v1/import', batch: taken.map(({ index }) => index) },
        );
        if (refused.length === 0) return reply;
        batchItemsRefused.inc(refused.length);
        return { ...reply, refused: refusals(items) };
      },
    );
  }
}

/** A batch call, or why it is refused (size, validation, what the key may not send). */
function batchItem(
  raw: unknown,
  index: number,
  defaults: Record<string, unknown>,
  kind: WriteKeyKind,
): SegmentMessage | HttpError {
  const size = eventSize(raw);
  if (size > limits.eventBytes)
    return new HttpError(413, `batch[${index}] is ${size} bytes; the limit is 32 KB per event`, [
      { path: `batch[${index}]`, message: `${size} bytes; the limit is 32 KB per event` },
    ]);
  try {
    const message = parseMessage(raw, `batch[${index}]`, defaults);
    refuseClientAlias(kind, [message]);
    return message;
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    if (error.issues) return error;
    return new HttpError(error.statusCode, error.message, [
      { path: `batch[${index}]`, message: error.message },
    ]);
  }
}

/** What the reply says of each refused call: its index, the field, and why. */
function refusals(items: readonly (SegmentMessage | HttpError)[]) {
  return items.flatMap((item, index) => {
    if (!(item instanceof HttpError)) return [];
    const first = item.issues?.[0];
    return [{ index, path: first?.path ?? `batch[${index}]`, reason: first?.message ?? item.message }];
  });
}

/** `X-Strict-Batch: true`: any invalid call refuses the whole batch (400/403/413, nothing written). */
function isStrict(request: FastifyRequest): boolean {
  const value = request.headers['x-strict-batch'];
  return (Array.isArray(value) ? value[0] : value)?.toLowerCase() === 'true';
}
