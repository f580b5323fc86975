import { z } from 'zod';
import { formatPath, type InputProblem } from './input-problem.js';
import { describe } from './plain-error.js';
import { reservedEventNames } from './membership-change.js';

export type { InputProblem };

/**
 * The Segment Tracking API spec, as the real client libraries send it. Unknown fields are
 * kept (clients add `_metadata`, `integrations`, …); wrong types are refused with their path.
 */

/**
 * A JSON object, kept as parsed. Not `z.record`: it rebuilds the object by assignment, and
 * assigning a `__proto__` key sets the prototype instead, so that key was silently dropped.
 */
const jsonObject = z
  .custom<Record<string, unknown>>(
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    {
      error: (issue) => `expected an object, got ${describe(issue.input)}`,
    },
  )
  // What the OpenAPI document shows for it (a custom check has no JSON Schema of its own).
  .meta({ type: 'object', description: 'A JSON object, kept as sent.' });
/**
 * A string, or a number that is a safe integer. JSON.parse has already rounded a bigger one
 * (12345678901234567891 arrives as …7890), so two people's ids would collide: refused instead.
 */
const id = z
  .union([z.string().trim().min(1).max(512), z.number()], {
    error: (issue) => `expected a string or an integer, got ${describe(issue.input)}`,
  })
  .refine((value) => typeof value === 'string' || Number.isSafeInteger(value), {
    message: `a numeric id must be an integer of at most ${Number.MAX_SAFE_INTEGER} (send larger ids as strings)`,
  })
  .transform((value) => String(value));
const isoDate = z
  .string()
  .max(64)
  .refine((value) => !Number.isNaN(Date.parse(value)), {
    error: (issue) => `expected an ISO-8601 date string, got ${describe(issue.input)}`,
  })
  .meta({ description: 'An ISO-8601 date, e.g. 2026-12-06T09:30:00Z (years 1900–9999).' });
const minTime = Date.UTC(1900, 0, 1);
const maxTime = Date.UTC(9999, 11, 31);
const dateLike = z
  .union([isoDate, z.date()], {
    error: (issue) => `expected an ISO-8601 date string, got ${describe(issue.input)}`,
  })
  .transform((value) => new Date(value))
  .refine((date) => date.getTime() >= minTime && date.getTime() <= maxTime, {
    message: 'expected a date in the years 1900–9999',
  });

const common = {
  messageId: z.string().trim().min(1).max(512).optional(),
  userId: id.nullish(),
  anonymousId: id.nullish(),
  timestamp: dateLike.optional(),
  originalTimestamp: dateLike.optional(),
  sentAt: dateLike.optional(),
  context: jsonObject.optional(),
  integrations: jsonObject.optional(),
  writeKey: z.string().optional(),
};

const trackMessage = z.looseObject({
  ...common,
  type: z.literal('track'),
  // Membership events are the engine's record of segment entries: a client could forge one otherwise.
  event: z
    .string()
    .trim()
    .min(1)
    .max(256)
    .refine((name) => !reservedEventNames.includes(name), {
      error: (issue) =>
        `"${String(issue.input)}" is reserved: the engine records ${reservedEventNames.join(' and ')} itself when a customer enters or leaves a segment`,
    }),
  properties: jsonObject.optional(),
});
const identifyMessage = z.looseObject({
  ...common,
  type: z.literal('identify'),
  traits: jsonObject.optional(),
});
const pageMessage = z.looseObject({
  ...common,
  type: z.literal('page'),
  name: z.string().max(256).nullish(),
  category: z.string().max(256).nullish(),
  properties: jsonObject.optional(),
});
const screenMessage = z.looseObject({
  ...common,
  type: z.literal('screen'),
  name: z.string().max(256).nullish(),
  properties: jsonObject.optional(),
});
const groupMessage = z.looseObject({
  ...common,
  type: z.literal('group'),
  groupId: id,
  traits: jsonObject.optional(),
});
const aliasMessage = z.looseObject({
  ...common,
  type: z.literal('alias'),
  previousId: id,
  userId: id,
});

export const segmentMessage = z
  .discriminatedUnion(
    'type',
    [trackMessage, identifyMessage, pageMessage, screenMessage, groupMessage, aliasMessage],
    {
      error: (issue) =>
        issue.code === 'invalid_union'
          ? `expected one of ${segmentMessageTypes.map((type) => `"${type}"`).join(', ')}, got ${describe(
              (issue.input as { type?: unknown } | undefined)?.type,
            )}`
          : undefined,
    },
  )
  .superRefine((message, ctx) => {
    if (message.type !== 'alias' && !message.userId && !message.anonymousId) {
      ctx.addIssue({ code: 'custom', path: ['userId'], message: 'either userId or anonymousId is required' });
    }
  });

export type SegmentMessage = z.infer<typeof segmentMessage>;
export type SegmentMessageType = SegmentMessage['type'];
export const segmentMessageTypes = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;

/** `/v1/batch` (and `/v1/import`): messages plus batch-level defaults. */
export const segmentBatch = z.looseObject({
  batch: z.array(z.unknown()).min(1).max(2500),
  context: jsonObject.optional(),
  integrations: jsonObject.optional(),
  sentAt: dateLike.optional(),
  writeKey: z.string().optional(),
});

export function problemsOf(error: z.ZodError, prefix = ''): InputProblem[] {
  return error.issues.slice(0, 20).map((issue) => ({
    path: formatPath(issue.path, prefix),
    message: issue.message,
  }));
}
