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
import { limits } from './request-body.js';
import { tokenUser, type UserTokenVerifier } from './user-tokens.js';
import { requireWriteKey, type WriteKeyCheck, type WriteKeyKind } from './write-keys.js';

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
  const parsed = segmentMessage.safeParse(candidate);
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
    { route = true, batch = false } = {},
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

  for (const type of ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const) {
    app.post(`/v1/${type}`, async (request) => {
      const kind = requireWriteKey(request, deps.isWriteKey);
      const size = request.bodyBytes ?? eventSize(request.body);
      if (size > limits.eventBytes) {
        throw new HttpError(413, `the event is ${size} bytes; the limit is 32 KB per event`);
      }
      return accept(request, [parseMessage(request.body, '', {}, type)], kind);
    });
  }

  for (const path of ['/v1/batch', '/v1/import']) {
    app.post(path, async (request) => {
      const kind = requireWriteKey(request, deps.isWriteKey);
      // History rewrites profiles wholesale: only the shop's server may send it.
      if (kind === 'client' && path === '/v1/import')
        throw new HttpError(403, 'import needs a server write key');
      const parsed = segmentBatch.safeParse(request.body);
      if (!parsed.success) throw invalid(problemsOf(parsed.error));
      const { batch, context, integrations, sentAt } = parsed.data;
      const defaults: Record<string, unknown> = {};
      if (context) defaults.context = context;
      if (integrations) defaults.integrations = integrations;
      if (sentAt) defaults.sentAt = sentAt.toISOString();
      // Validate everything before writing anything: a bad batch changes nothing.
      const messages = batch.map((raw, index) => {
        const size = eventSize(raw);
        if (size > limits.eventBytes) {
          throw new HttpError(413, `batch[${index}] is ${size} bytes; the limit is 32 KB per event`);
        }
        return parseMessage(raw, `batch[${index}]`, defaults);
      });
      // /v1/import is for history: profiles and timelines take it in, journeys do not react to it.
      return accept(request, messages, kind, { route: path === '/v1/batch', batch: true });
    });
  }
}
