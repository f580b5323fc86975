import { isScheduleTrigger } from '../../domain/journey-trigger.js';
import { syncScheduledEntries } from '../../runs/scheduled-entries.js';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  checkJourney,
  currentJourneys,
  deployJourneys,
  InvalidJourneyError,
  journeyVersionsOf,
  type DeployedJourney,
} from '../../catalog/journey-catalog.js';
import { journeyDiagram } from '../../catalog/journey-diagram.js';
import { journeySummaries } from '../../runs/journey-summaries.js';
import { HttpError } from '../http-errors.js';
import { access, errorResponses, json, operation } from '../openapi-schemas.js';
import type { AdminDependencies } from './admin-deps.js';

export const journeyParams = z.object({ journeyId: z.string().min(1).max(200) });

const journeySummary = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string(),
  trigger: z.string(),
  state: z.enum(['active', 'paused']),
  droppedEntries: z.number().meta({ description: 'Triggering events that started no run while paused.' }),
  running: z.number(),
  runs: z.number(),
});
const deployResult = z.object({ journeyId: z.string(), version: z.string(), changed: z.boolean() });
const versionRow = z.object({ version: z.string(), deployedAt: z.string(), current: z.boolean() });

/**
 * The deploy body, as documented: the definition's outline. The full schema (domain/journey-definition.ts,
 * checked with the template catalogue) holds recursive conditions the document generator cannot write.
 */
const journeyBody = z
  .looseObject({
    id: z.string(),
    name: z.string(),
    trigger: z.looseObject({}).meta({
      description:
        '{ event, where?, entryKey? }, { segment, on: enter | leave } or { segment, schedule, timeZone? }',
    }),
    steps: z.array(z.looseObject({ id: z.string(), type: z.string() })),
  })
  .meta({ description: 'A journey definition: the structure of a journey file (.json or .yaml) as JSON.' });

const docs = {
  list: {
    ...operation('admin', 'The deployed journeys, their state and run counts', access.admin),
    response: {
      200: { description: 'Journeys.', ...json(z.object({ journeys: z.array(journeySummary) })) },
      ...errorResponses(401, 503),
    },
  },
  definition: {
    ...operation('admin', "A deployed journey's current definition", access.admin),
    params: journeyParams,
    response: {
      200: {
        description: 'The definition.',
        ...json(journeySummary.extend({ definition: z.record(z.string(), z.unknown()) })),
      },
      ...errorResponses(401, 404, 503),
    },
  },
  versions: {
    ...operation('admin', 'Every version of a journey ever deployed, newest first', access.admin),
    params: journeyParams,
    response: {
      200: {
        description: 'Versions.',
        ...json(z.object({ journeyId: z.string(), versions: z.array(versionRow) })),
      },
      ...errorResponses(401, 404, 503),
    },
  },
  diagram: {
    ...operation('admin', "A journey's flowchart: Mermaid text and an SVG rendering", access.admin),
    params: journeyParams,
    response: {
      200: { description: 'The diagram.', ...json(z.object({ mermaid: z.string(), svg: z.string() })) },
      ...errorResponses(401, 404, 503),
    },
  },
  deploy: {
    ...operation('admin', 'Validate and deploy a journey definition', access.admin),
    description:
      'New runs take the new version; runs in flight keep theirs. Deploying an undeployed journey brings it back.',
    body: journeyBody,
    response: {
      200: { description: 'Deployed (or unchanged).', ...json(deployResult) },
      ...errorResponses(400, 401, 503),
    },
  },
};

/** The deployed journey with this id (paused or not), or a 404 naming it. */
export async function deployedJourney(deps: AdminDependencies, journeyId: string): Promise<DeployedJourney> {
  const journey = (await currentJourneys(deps.db)).find((j) => j.definition.id === journeyId);
  if (!journey) throw new HttpError(404, `no deployed journey ${journeyId} (GET /admin/journeys lists them)`);
  return journey;
}

/** Journeys: list, definition, versions, diagram, deploy. */
export function journeyRoutes(admin: FastifyInstance, deps: AdminDependencies) {
  admin.get('/admin/journeys', { schema: docs.list }, async () => {
    return { journeys: await journeySummaries(deps.db) };
  });

  admin.get<{ Params: { journeyId: string } }>(
    '/admin/journeys/:journeyId',
    { schema: docs.definition },
    async (request) => {
      const journey = await deployedJourney(deps, request.params.journeyId);
      const [summary] = await journeySummaries(deps.db, journey);
      return { ...summary, definition: journey.definition };
    },
  );

  admin.get<{ Params: { journeyId: string } }>(
    '/admin/journeys/:journeyId/versions',
    { schema: docs.versions },
    async (request) => {
      const versions = await journeyVersionsOf(deps.db, request.params.journeyId);
      if (versions.length === 0)
        throw new HttpError(404, `journey ${request.params.journeyId} was never deployed`);
      return {
        journeyId: request.params.journeyId,
        versions: versions.map((row, index) => ({
          version: row.version,
          deployedAt: row.deployedAt.toISOString(),
          current: index === 0,
        })),
      };
    },
  );

  admin.get<{ Params: { journeyId: string } }>(
    '/admin/journeys/:journeyId/diagram',
    { schema: docs.diagram },
    async (request) => journeyDiagram((await deployedJourney(deps, request.params.journeyId)).definition),
  );

  admin.post('/admin/journeys', { schema: docs.deploy }, async (request) => {
    let checked;
    try {
      checked = checkJourney(request.body, 'the body');
    } catch (error) {
      if (!(error instanceof InvalidJourneyError)) throw error;
      throw new HttpError(
        400,
        error.message,
        error.problems.map((p) => ({ path: p.path, message: p.message })),
      );
    }
    const [result] = await deployJourneys(deps.db, [checked]);
    if (deps.temporal && deps.taskQueue && isScheduleTrigger(checked.definition.trigger))
      await syncScheduledEntries(deps.db, deps.temporal, deps.taskQueue);
    return result;
  });
}
