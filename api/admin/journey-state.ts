import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { journeyStateOf, setJourneyState } from '../../catalog/journey-state.js';
import { journeyPausedReason } from '../../domain/delivery-decision.js';
import { endRunningRuns } from '../../runs/journey-runs-query.js';
import { HttpError } from '../http-errors.js';
import { access, errorResponses, json, operation } from '../openapi-schemas.js';
import type { AdminDependencies } from './admin-deps.js';
import { parsed, temporalRequired } from './admin-input.js';
import { deployedJourney, journeyParams } from './journeys.js';

export const undeployedReason = 'journey undeployed';

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

/** Pause, resume, undeploy (stored in journey_states; the router and the delivery pipeline read it). */
export function journeyStateRoutes(admin: FastifyInstance, deps: AdminDependencies) {
  admin.post<JourneyRequest>('/admin/journeys/:journeyId/pause', { schema: docs.pause }, async (request) => {
    const { runs } = parsed(pauseBody, request.body, 'body');
    const journey = await deployedJourney(deps, request.params.journeyId);
    const client = runs === 'end' ? temporalRequired(deps.temporal) : undefined;
    if (!journey.paused) await setJourneyState(deps.db, journey.definition.id, 'paused');
    const runsEnded = client
      ? await endRunningRuns(deps.db, client, journey.definition.id, journeyPausedReason)
      : 0;
    const { droppedEntries } = await journeyStateOf(deps.db, journey.definition.id);
    return { journeyId: journey.definition.id, state: 'paused' as const, runsEnded, droppedEntries };
  });

  admin.post<JourneyRequest>(
    '/admin/journeys/:journeyId/resume',
    { schema: docs.resume },
    async (request) => {
      const journey = await deployedJourney(deps, request.params.journeyId);
      if (!journey.paused) throw new HttpError(409, `journey ${journey.definition.id} is not paused`);
      const { droppedEntries } = await journeyStateOf(deps.db, journey.definition.id);
      await setJourneyState(deps.db, journey.definition.id, 'active');
      return { journeyId: journey.definition.id, state: 'active' as const, runsEnded: 0, droppedEntries };
    },
  );

  admin.post<JourneyRequest>(
    '/admin/journeys/:journeyId/undeploy',
    { schema: docs.undeploy },
    async (request) => {
      const { runs } = parsed(undeployBody, request.body, 'body');
      const journey = await deployedJourney(deps, request.params.journeyId);
      const client = runs === 'end' ? temporalRequired(deps.temporal) : undefined;
      await setJourneyState(deps.db, journey.definition.id, 'undeployed');
      const runsEnded = client
        ? await endRunningRuns(deps.db, client, journey.definition.id, undeployedReason)
        : 0;
      return { journeyId: journey.definition.id, state: 'undeployed' as const, runsEnded, droppedEntries: 0 };
    },
  );
}
