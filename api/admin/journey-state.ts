import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  JourneyControlError,
  pauseJourney,
  resumeJourney,
  undeployJourney,
  type StateChange,
} from '../../runs/journey-control.js';
import { HttpError } from '../http-errors.js';
import { access, errorResponses, json, operation } from '../openapi-schemas.js';
import type { AdminDependencies } from './admin-deps.js';
import { parsed, temporalRequired } from './admin-input.js';
import { journeyParams } from './journeys.js';

const pauseBody = z.object({
  runs: z.enum(['hold', 'end']).default('hold').meta({
    description: '`hold`: running runs wait at their next send until resumed; `end`: they are cancelled.',
  }),
});
const undeployBody = z.object({
  runs: z
    .enum(['keep', 'end'])
    .default('keep')
    .meta({ description: '`keep`: running runs go on to their end; `end`: they are cancelled.' }),
});
const stateReply = z.object({
  journeyId: z.string(),
  state: z.enum(['active', 'paused', 'undeployed']),
  runsEnded: z.number().meta({ description: 'Running runs asked to end.' }),
  droppedEntries: z.number().meta({ description: 'Triggering events that started no run during the pause.' }),
});
const errors = errorResponses(400, 401, 404, 409, 503);
const reply = { 200: { description: 'The new state.', ...json(stateReply) }, ...errors };

const docs = {
  pause: {
    ...operation('admin', 'Pause a journey: no new runs; running runs held or ended', access.admin),
    description:
      'Triggering events are stored but start no run (counted in `droppedEntries`, not entered on resume). Held runs wait at their next send (ledger `deferred`, reason `journey paused`) and go on after resume.',
    params: journeyParams,
    body: pauseBody,
    response: reply,
  },
  resume: {
    ...operation('admin', 'Resume a paused journey: new runs start, held sends go out', access.admin),
    params: journeyParams,
    response: reply,
  },
  undeploy: {
    ...operation('admin', 'Undeploy a journey: no new runs, gone from the list; history stays', access.admin),
    description: 'Deploying it again (POST /admin/journeys) brings it back.',
    params: journeyParams,
    body: undeployBody,
    response: reply,
  },
};

type JourneyRequest = { Params: { journeyId: string } };

/** A refused change in HTTP terms: 404 for a journey not deployed, 409 for a state that does not allow it. */
async function answer(change: Promise<StateChange>): Promise<StateChange> {
  try {
    return await change;
  } catch (error) {
    if (!(error instanceof JourneyControlError)) throw error;
    const hint = error.kind === 'unknown' ? ' (GET /admin/journeys lists them)' : '';
    throw new HttpError(error.kind === 'unknown' ? 404 : 409, error.message + hint);
  }
}

/** Pause, resume, undeploy (stored in journey_states; the router and the delivery pipeline read it). */
export function journeyStateRoutes(admin: FastifyInstance, deps: AdminDependencies) {
  const { db } = deps;
  admin.post<JourneyRequest>('/admin/journeys/:journeyId/pause', { schema: docs.pause }, async (request) => {
    const { runs } = parsed(pauseBody, request.body, 'body');
    const client = runs === 'end' ? temporalRequired(deps.temporal) : undefined;
    return answer(pauseJourney(db, request.params.journeyId, client));
  });

  admin.post<JourneyRequest>('/admin/journeys/:journeyId/resume', { schema: docs.resume }, async (request) =>
    answer(resumeJourney(db, request.params.journeyId)),
  );

  admin.post<JourneyRequest>(
    '/admin/journeys/:journeyId/undeploy',
    { schema: docs.undeploy },
    async (request) => {
      const { runs } = parsed(undeployBody, request.body, 'body');
      const client = runs === 'end' ? temporalRequired(deps.temporal) : undefined;
      return answer(undeployJourney(db, request.params.journeyId, client));
    },
  );
}
