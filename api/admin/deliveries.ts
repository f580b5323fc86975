import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { deliveryStatuses } from '../../db/schema.js';
import { listDeliveries } from '../../delivery/ledger-query.js';
import { channels } from '../../domain/channels.js';
import { parseDuration } from '../../domain/duration.js';
import { access, errorResponses, json, operation } from '../openapi-schemas.js';
import type { AdminDependencies } from './admin-deps.js';
import { customerIdOf, parsed } from './admin-input.js';

const deliveriesQuery = z.object({
  customer: z
    .string()
    .max(512)
    .optional()
    .meta({ description: '`email:…`, `phone:…`, `userId:…`, or a customer id.' }),
  status: z.enum(deliveryStatuses).optional(),
  channel: z.enum(channels).optional(),
  journey: z.string().max(200).optional(),
  since: z
    .string()
    .refine((text) => parseDuration(text) !== undefined, 'expected a duration such as 30m, 12h or 7d')
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});

const deliveryReply = z.looseObject({
  id: z.union([z.string(), z.number()]),
  customerId: z.string(),
  journeyId: z.string().nullable(),
  stepId: z.string().nullable(),
  channel: z.string().nullable(),
  status: z.string(),
  reason: z.string().nullable(),
  rule: z
    .string()
    .nullable()
    .meta({ description: 'The delivery policy rule (a cap’s id, quiet hours) that skipped or deferred it.' }),
  createdAt: z.string(),
});

const docs = {
  ...operation(
    'admin',
    'The send ledger: every message sent, skipped, deferred or failed, and why',
    access.admin,
  ),
  querystring: deliveriesQuery,
  response: {
    200: {
      description: 'Ledger rows, newest first.',
      ...json(z.object({ deliveries: z.array(deliveryReply) })),
    },
    ...errorResponses(400, 401, 404, 503),
  },
};

/** GET /admin/deliveries: the ledger, with the filters of `omnijourney deliveries list`. */
export function deliveryRoutes(admin: FastifyInstance, deps: AdminDependencies) {
  admin.get('/admin/deliveries', { schema: docs }, async (request) => {
    const query = parsed(deliveriesQuery, request.query, 'query');
    const customerId = query.customer
      ? await customerIdOf(deps.db, query.customer, deps.defaultPhoneCountry)
      : undefined;
    const ms = query.since === undefined ? undefined : parseDuration(query.since);
    const rows = await listDeliveries(deps.db, {
      customerId,
      status: query.status,
      channel: query.channel,
      journeyId: query.journey,
      since: ms === undefined ? undefined : new Date(Date.now() - ms),
      limit: query.limit,
    });
    return { deliveries: rows };
  });
}
