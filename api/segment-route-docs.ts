import { z } from 'zod';
import {
  segmentBatch,
  segmentMessage,
  type SegmentMessage,
  type SegmentMessageType,
} from '../domain/segment-message.js';
import { access, errorResponses, json, operation } from './openapi-schemas.js';

const ignored = z
  .array(z.object({ path: z.string(), reason: z.string() }))
  .optional()
  .meta({
    description: 'What a client key sent but may not set (consent, others’ identities): not applied.',
  });

/** The reply to a single call. */
export const callReply = z.object({
  success: z.literal(true),
  stored: z.int().min(0).meta({ description: 'Messages stored now.' }),
  duplicates: z.int().min(0).meta({ description: 'Messages already stored (same messageId): ignored.' }),
  ignored,
});

/** The reply to a batch: as a call's, plus one entry per refused item; the others are stored. */
export const batchReply = callReply.extend({
  refused: z
    .array(
      z.object({
        index: z.int().min(0).meta({ description: 'The item’s position in `batch`.' }),
        path: z.string().meta({ description: 'The field at fault, e.g. `batch[2].event`.' }),
        reason: z.string(),
      }),
    )
    .optional()
    .meta({
      description:
        'Items refused one by one (invalid, over 32 KB, or not allowed for the key); absent when all were taken. Send `X-Strict-Batch: true` to refuse the whole batch instead.',
    }),
});

const summaries = {
  identify: 'Identify a person: their traits and identities',
  track: 'Record something a person did',
  page: 'Record a page view',
  screen: 'Record an app screen view',
  group: 'Put a person in a group (a company, an account)',
  alias: 'Merge two identities: previousId becomes userId (server key only)',
} as const satisfies Record<SegmentMessageType, string>;

const callErrors = errorResponses(400, 401, 403, 413, 415, 503);

/**
 * `/v1/{type}`: the message schema of that type, the one `segmentMessage` validates with. The
 * path sets `type`, so the body may leave it out.
 */
export function segmentCallSchema(type: SegmentMessageType) {
  const message = segmentMessage.options.find((option) => option.shape.type.value === type);
  if (!message) throw new Error(`no Segment message schema for ${type}`);
  return {
    ...operation('ingest', summaries[type], type === 'alias' ? access.serverWriteKey : access.anyWriteKey),
    description:
      'Segment Tracking API call. `userId` or `anonymousId` is required (alias: `previousId` and `userId`). At most 32 KB. JSON, also when labelled `text/plain` (browsers) or sent gzip/deflate-compressed.',
    body: (message as z.ZodObject).partial({ type: true }),
    response: { 200: { description: 'Stored, or already stored.', ...json(callReply) }, ...callErrors },
  };
}

/** `segmentBatch` with its items shown as the messages each is validated as (same size limits). */
const itemChecks = (segmentBatch.shape.batch._zod.def.checks ?? []) as z.core.$ZodCheck<SegmentMessage[]>[];
const batchBody = segmentBatch.extend({ batch: z.array(segmentMessage).check(...itemChecks) });

const strictHeader = z.object({
  'x-strict-batch': z
    .enum(['true', 'false'])
    .optional()
    .meta({ description: '`true`: any invalid item refuses the whole batch (nothing is written).' }),
});

/** `/v1/batch` and `/v1/import`: the batch, and the per-item report of what was refused. */
export function segmentBatchSchema(path: '/v1/batch' | '/v1/import') {
  const history = path === '/v1/import';
  return {
    ...operation(
      'ingest',
      history
        ? 'Import history: stored on profiles and timelines; journeys do not react (server key only)'
        : 'Send many calls at once; invalid items are refused one by one',
      history ? access.serverWriteKey : access.anyWriteKey,
    ),
    description:
      'Up to 2500 calls, 500 KB in all (gzip or deflate accepted). `context`, `integrations` and `sentAt` at the top apply to every item. An invalid item is listed in `refused` and the rest is stored; when every item is invalid the reply is the first one’s error.',
    headers: strictHeader,
    body: batchBody,
    response: {
      200: { description: 'The valid items are stored; `refused` lists the others.', ...json(batchReply) },
      ...callErrors,
    },
  };
}
