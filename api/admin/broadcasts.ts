import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listBroadcasts } from '../../audiences/broadcast-store.js';
import {
  BroadcastControlError,
  controlBroadcast,
  createBroadcast,
  newBroadcastSchema,
  reportOf,
} from '../../runs/broadcast-control.js';
import { HttpError } from '../http-errors.js';
import { access, errorResponses, json, operation } from '../openapi-schemas.js';
import type { AdminDependencies } from './admin-deps.js';
import { temporalRequired } from './admin-input.js';

const broadcastParams = z.object({ broadcastId: z.string().meta({ description: 'The broadcast id.' }) });
const report = z.object({
  broadcast: z
    .record(z.string(), z.unknown())
    .meta({ description: 'The broadcast row: status, audience, cursor, counts.' }),
  progress: z.object({
    processed: z.number(),
    audienceTotal: z.number().nullable(),
    percent: z.number().nullable(),
    etaSeconds: z.number().nullable().meta({ description: 'At the rate so far; null until there is one.' }),
  }),
  ledger: z
    .array(
      z.object({
        status: z.string(),
        reason: z.string().nullable(),
        rule: z.string().nullable(),
        count: z.number(),
      }),
    )
    .meta({ description: 'Its ledger rows by status, rule and reason (exact as of the read).' }),
});
const controlDocs = (what: string, description?: string) => ({
  ...operation('admin', `${what} a broadcast (between batches)`, access.admin),
  ...(description ? { description } : {}),
  params: broadcastParams,
  response: { ...reply('Its report after the change.'), ...errorResponses(401, 404, 409, 503) },
});
const reply = (description: string) => ({ 200: { description, ...json(report) } });

const docs = {
  create: {
    ...operation(
      'admin',
      'Create a broadcast: one template to a segment’s members, now or at `at`',
      access.admin,
    ),
    description:
      'The audience is the segment’s members when it begins (members who join later are not included). Every customer goes through the send decision (consent, caps, quiet hours, fallback) and gets at most one message.',
    body: newBroadcastSchema,
    response: {
      ...reply('Created; its workflow waits for `at` or begins now.'),
      ...errorResponses(400, 401, 503),
    },
  },
  list: {
    ...operation('admin', 'The broadcasts, newest first', access.admin),
    response: {
      200: { description: 'Up to 100.', ...json(z.array(z.record(z.string(), z.unknown()))) },
      ...errorResponses(401, 503),
    },
  },
  status: {
    ...operation('admin', 'A broadcast’s progress, ETA and ledger counts', access.admin),
    params: broadcastParams,
    response: { ...reply('Its report.'), ...errorResponses(401, 404, 503) },
  },
  pause: controlDocs('Pause'),
  resume: controlDocs('Resume'),
  cancel: controlDocs(
    'Cancel',
    'A completed broadcast can still be cancelled while sends wait for their customers’ quiet-hours windows: those rows become `skipped` with the reason. 409 once nothing is left to cancel.',
  ),
};

/** A refused request in HTTP terms: 400 naming each field, 404 unknown, 409 not allowed in its state. */
async function answer<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (!(error instanceof BroadcastControlError)) throw error;
    const code = error.kind === 'invalid' ? 400 : error.kind === 'unknown' ? 404 : 409;
    throw new HttpError(code, error.message, error.kind === 'invalid' ? error.problems : undefined);
  }
}

type BroadcastRequest = { Params: { broadcastId: string } };

/** Broadcasts: create, list, status, pause, resume, cancel (as `omnijourney broadcasts`). */
export function broadcastRoutes(admin: FastifyInstance, deps: AdminDependencies) {
  const { db } = deps;
  admin.post('/admin/broadcasts', { schema: docs.create }, async (request) => {
    const client = temporalRequired(deps.temporal);
    const taskQueue = temporalRequired(deps.taskQueue);
    const created = await answer(createBroadcast(db, { client, taskQueue }, request.body));
    return reportOf(db, created.id);
  });
  admin.get('/admin/broadcasts', { schema: docs.list }, () => listBroadcasts(db));
  admin.get<BroadcastRequest>('/admin/broadcasts/:broadcastId', { schema: docs.status }, (request) =>
    answer(reportOf(db, request.params.broadcastId)),
  );
  for (const what of ['pause', 'resume', 'cancel'] as const)
    admin.post<BroadcastRequest>(
      `/admin/broadcasts/:broadcastId/${what}`,
      { schema: docs[what] },
      (request) =>
        answer(controlBroadcast(db, temporalRequired(deps.temporal), request.params.broadcastId, what)),
    );
}
