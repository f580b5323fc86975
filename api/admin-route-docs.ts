import { z } from 'zod';
import { access, errorResponses, json, okReply, operation } from './openapi-schemas.js';

/** The admin replies, as the document shows them (loose: fields may be added). */
const timelinePage = z.looseObject({
  items: z.array(
    z.looseObject({
      kind: z.enum(['event', 'delivery', 'journey_run']),
      id: z.string(),
      at: z.string(),
      detail: z.record(z.string(), z.unknown()),
    }),
  ),
  nextCursor: z.string().nullable().meta({ description: 'Pass as `before` for the next (older) page.' }),
});

export const customerReply = z.object({
  customer: z.looseObject({
    id: z.string(),
    mergedFrom: z.array(z.string()),
    traits: z.record(z.string(), z.unknown()),
    timeZone: z.string().nullable(),
    locale: z.string().nullable(),
    orderCount: z.number(),
    lifetimeValue: z.number(),
    lastSeenAt: z.string().nullable(),
    createdAt: z.string(),
    identities: z.array(
      z.looseObject({ kind: z.string(), value: z.string(), verifiedAt: z.string().nullable() }),
    ),
    consents: z.array(
      z.looseObject({ channel: z.string(), status: z.string(), source: z.string(), updatedAt: z.string() }),
    ),
    pushSubscriptions: z.array(z.looseObject({ endpoint: z.string(), createdAt: z.string() })),
  }),
  timeline: timelinePage,
});

const statsReply = z.looseObject({
  journeyId: z.string(),
  since: z.string().nullable(),
  entered: z.number(),
  outcomes: z.record(z.string(), z.number()),
  converted: z.number(),
  conversionRate: z.number(),
  revenue: z.number(),
  steps: z.array(z.looseObject({ id: z.string(), type: z.string(), reached: z.number() })),
});

const consentRefused = z.object({
  success: z.literal(false),
  error: z.string(),
  overruledBy: z.object({ source: z.string(), status: z.string(), at: z.string() }),
});

const identityParam = z
  .string()
  .meta({ description: '`email:…`, `phone:…`, `userId:…`, `anonymousId:…`, `push:…`, or a customer id.' });

/** The admin routes' documentation, given the schemas they validate their input with. */
export function adminDocs(inputs: { timelineQuery: z.ZodType; consentBody: z.ZodType; channel: z.ZodType }) {
  const params = z.object({ identity: identityParam });
  const errors = errorResponses(400, 401, 404, 503);
  return {
    customer: {
      ...operation('admin', "A customer's 360 view and the first timeline page", access.admin),
      params,
      querystring: inputs.timelineQuery,
      response: { 200: { description: 'The customer.', ...json(customerReply) }, ...errors },
    },
    timeline: {
      ...operation('admin', "A page of a customer's timeline, newest first", access.admin),
      params,
      querystring: inputs.timelineQuery,
      response: { 200: { description: 'One page.', ...json(timelinePage) }, ...errors },
    },
    consent: {
      ...operation('admin', "Set a customer's consent to a channel", access.admin),
      description: 'A stronger decision that stands (the customer’s own, dated later) is not overruled: 409.',
      params: params.extend({ channel: inputs.channel }),
      body: inputs.consentBody,
      response: {
        200: { description: 'Set.', ...json(okReply) },
        409: { description: 'A stronger decision stands.', ...json(consentRefused) },
        ...errors,
      },
    },
    stats: {
      ...operation('admin', "A journey's entries, outcomes, conversions and steps", access.admin),
      params: z.object({ journeyId: z.string() }),
      querystring: z.object({
        since: z.string().optional().meta({ description: 'A duration such as `7d`, or an ISO date.' }),
      }),
      response: { 200: { description: 'The stats.', ...json(statsReply) }, ...errors },
    },
  };
}
