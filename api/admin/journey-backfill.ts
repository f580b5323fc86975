import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { z } from 'zod';
import { createJourneyCatalog } from '../../catalog/catalog-cache.js';
import { BackfillRefused, backfillJourney, segmentJourney } from '../../runs/journey-backfill.js';
import { HttpError } from '../http-errors.js';
import { access, errorResponses, json, operation } from '../openapi-schemas.js';
import type { AdminDependencies } from './admin-deps.js';
import { parsed, temporalRequired } from './admin-input.js';
import { journeyParams } from './journeys.js';

const backfillBody = z.object({
  dryRun: z.boolean().default(false).meta({ description: 'Start nothing: counts, reasons and a sample.' }),
  sample: z
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(10)
    .meta({ description: 'Candidates shown with their verdict.' }),
});
const backfillReply = z.object({
  journeyId: z.string(),
  segment: z.string(),
  on: z.enum(['enter', 'leave']),
  dryRun: z.boolean(),
  candidates: z.number(),
  wouldEnter: z.number(),
  started: z.number(),
  notEntered: z.record(z.string(), z.number()).meta({ description: 'Candidates kept out, by reason.' }),
  sample: z.array(
    z.object({
      customerId: z.string(),
      entry: z.string(),
      verdict: z.object({ enter: z.boolean(), reason: z.string() }),
    }),
  ),
});

const docs = {
  backfill: {
    ...operation('admin', "Enter a segment-triggered journey's audience now, or say who would", access.admin),
    description:
      "Members (on: enter) or those who left (on: leave), each under the journey's re-entry rule, through the router's entry path (running it twice starts nothing twice). `dryRun`: counts by reason and a sample.",
    params: journeyParams,
    body: backfillBody,
    response: {
      200: { description: 'What was (or would be) entered.', ...json(backfillReply) },
      ...errorResponses(400, 401, 404, 503),
    },
  },
};

/** `POST /admin/journeys/:journeyId/backfill` (the CLI's `journeys backfill`). */
export function journeyBackfillRoutes(admin: FastifyInstance, deps: AdminDependencies) {
  admin.post<{ Params: { journeyId: string } }>(
    '/admin/journeys/:journeyId/backfill',
    { schema: docs.backfill },
    async (request) => {
      const { dryRun, sample } = parsed(backfillBody, request.body ?? {}, 'body');
      const journey = await segmentJourney(deps.db, request.params.journeyId).catch((error: unknown) => {
        if (!(error instanceof BackfillRefused)) throw error;
        throw new HttpError(error.message.startsWith('unknown') ? 404 : 400, error.toLine());
      });
      const routing = dryRun
        ? undefined
        : {
            client: temporalRequired(deps.temporal),
            taskQueue: temporalRequired(deps.taskQueue),
            logger: pino({ level: 'silent' }),
            catalog: createJourneyCatalog(),
          };
      return backfillJourney(deps.db, journey, { routing, now: new Date(), sampleSize: sample });
    },
  );
}
