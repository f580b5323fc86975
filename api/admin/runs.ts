import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { journeyVersionsOf } from '../../catalog/journey-catalog.js';
import { runStatuses } from '../../db/schema.js';
import { findRun, listJourneyRuns } from '../../runs/journey-runs-query.js';
import { currentSteps } from '../../runs/running-runs.js';
import { cancelJourneyRun } from '../../workflows/journey-run/lifecycle.js';
import { HttpError } from '../http-errors.js';
import { access, errorResponses, json, operation } from '../openapi-schemas.js';
import type { AdminDependencies } from './admin-deps.js';
import { customerIdOf, parsed, temporalRequired } from './admin-input.js';
import { journeyParams } from './journeys.js';

const runsQuery = z.object({
  status: z.enum(runStatuses).optional(),
  customer: z
    .string()
    .max(512)
    .optional()
    .meta({ description: '`email:…`, `phone:…`, `userId:…`, or a customer id.' }),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});
const cancelParams = z.object({
  run: z
    .string()
    .min(1)
    .max(1000)
    .meta({ description: 'A run id, or a workflow id (URL-encoded: it holds slashes).' }),
});
const cancelBody = z.object({ reason: z.string().min(1).max(500).default('cancelled by an operator') });

const runReply = z.looseObject({
  runId: z.string(),
  workflowId: z.string(),
  journeyVersion: z.string(),
  customerId: z.string().nullable(),
  entryKey: z.string(),
  status: z.string(),
  reason: z.string().nullable(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  currentStep: z
    .string()
    .nullable()
    .meta({ description: 'The step a running run is at (from Temporal); null once ended.' }),
});

const docs = {
  runs: {
    ...operation(
      'admin',
      "A journey's runs, newest first, with the step each running one is at",
      access.admin,
    ),
    params: journeyParams,
    querystring: runsQuery,
    response: {
      200: { description: 'Runs.', ...json(z.object({ journeyId: z.string(), runs: z.array(runReply) })) },
      ...errorResponses(400, 401, 404, 503),
    },
  },
  cancel: {
    ...operation('admin', 'End a running run at once (outcome `cancelled`)', access.admin),
    params: cancelParams,
    body: cancelBody,
    response: {
      200: {
        description: 'Cancel requested.',
        ...json(z.object({ workflowId: z.string(), runId: z.string(), reason: z.string() })),
      },
      ...errorResponses(400, 401, 404, 409, 503),
    },
  },
};

/** Runs of a journey, and cancelling one. */
export function runRoutes(admin: FastifyInstance, deps: AdminDependencies) {
  admin.get<{ Params: { journeyId: string } }>(
    '/admin/journeys/:journeyId/runs',
    { schema: docs.runs },
    async (request) => {
      const query = parsed(runsQuery, request.query, 'query');
      const { journeyId } = request.params;
      if ((await journeyVersionsOf(deps.db, journeyId)).length === 0)
        throw new HttpError(404, `journey ${journeyId} was never deployed`);
      const customerId = query.customer
        ? await customerIdOf(deps.db, query.customer, deps.defaultPhoneCountry)
        : undefined;
      const runs = await listJourneyRuns(deps.db, {
        journeyId,
        status: query.status,
        customerId,
        limit: query.limit,
      });
      const steps = deps.temporal ? await currentSteps(deps.temporal, runs) : new Map<string, string>();
      return { journeyId, runs: runs.map((run) => ({ ...run, currentStep: steps.get(run.runId) ?? null })) };
    },
  );

  admin.post<{ Params: { run: string } }>(
    '/admin/runs/:run/cancel',
    { schema: docs.cancel },
    async (request) => {
      const { reason } = parsed(cancelBody, request.body, 'body');
      const row = await findRun(deps.db, request.params.run);
      if (!row) throw new HttpError(404, `no journey run "${request.params.run}"`);
      if (row.status !== 'running')
        throw new HttpError(409, `run ${row.workflowId} has already ended (${row.status})`);
      const client = temporalRequired(deps.temporal);
      try {
        await cancelJourneyRun(client, row.workflowId, reason);
      } catch (error) {
        if (error instanceof WorkflowNotFoundError)
          throw new HttpError(409, `run ${row.workflowId} is not running in Temporal`);
        throw error;
      }
      return { workflowId: row.workflowId, runId: row.runId, reason };
    },
  );
}
