import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { loadCustomerView } from '../customers/customer-view.js';
import { customerIdFor, parseIdentity } from '../customers/identity-reference.js';
import { setConsent } from '../customers/set-consent.js';
import { decodeCursor, loadTimeline } from '../customers/timeline.js';
import { channels } from '../domain/channels.js';
import { currentJourneys, journeyAtVersion, journeyVersionsOf } from '../catalog/journey-catalog.js';
import type { Database } from '../db/client.js';
import { journeyStats, parseSince, visibilityWaitingCounter } from '../runs/journey-stats.js';
import { HttpError } from './http-errors.js';
import { plainError } from '../domain/plain-error.js';
import { adminDocs } from './admin-route-docs.js';
import { bearerCheck } from './admin/bearer.js';
import type { AdminDependencies } from './admin/admin-deps.js';
import { broadcastRoutes } from './admin/broadcasts.js';
import { deliveryRoutes } from './admin/deliveries.js';
import { journeyRoutes as journeyAdminRoutes } from './admin/journeys.js';
import { journeyStateRoutes } from './admin/journey-state.js';
import { journeyBackfillRoutes } from './admin/journey-backfill.js';
import { policyRoutes } from './admin/policy.js';
import { runRoutes } from './admin/runs.js';
import { segmentRoutes } from './admin/segments.js';
import { templateRoutes } from './admin/templates.js';

export type { AdminDependencies };

const timelineQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.string().max(512).optional(),
});
const consentBody = z.object({ status: z.enum(['subscribed', 'unsubscribed']) });
const channelParam = z.enum(channels);
const docs = adminDocs({ timelineQuery, consentBody, channel: channelParam });

/**
 * The admin API, bearer ADMIN_API_TOKEN: customers (360 view, timeline, consent), journeys (list,
 * definition, versions, diagram, deploy, pause, resume, undeploy, stats), runs, deliveries, templates, the delivery policy, broadcasts.
 */
export function registerAdminRoutes(app: FastifyInstance, deps: AdminDependencies) {
  const authorise = bearerCheck(deps.adminToken);
  app.register(async (admin) => {
    admin.addHook('onRequest', authorise);
    customerRoutes(admin, deps);
    journeyRoutes(admin, deps);
    journeyAdminRoutes(admin, deps);
    journeyStateRoutes(admin, deps);
    journeyBackfillRoutes(admin, deps);
    runRoutes(admin, deps);
    deliveryRoutes(admin, deps);
    templateRoutes(admin, deps);
    policyRoutes(admin, deps);
    segmentRoutes(admin, deps);
    broadcastRoutes(admin, deps);
  });
}

function customerRoutes(admin: FastifyInstance, deps: AdminDependencies) {
  const customerOf = async (identity: string) => {
    const parsed = parseIdentity(identity, deps.defaultPhoneCountry);
    if ('problem' in parsed)
      throw new HttpError(400, parsed.problem, [{ path: 'identity', message: parsed.problem }]);
    const id = await customerIdFor(deps.db, parsed);
    if (!id) throw new HttpError(404, `no customer has the identity ${identity}`);
    const view = await loadCustomerView(deps.db, id);
    if (!view) throw new HttpError(404, `no customer ${identity}`);
    return view;
  };

  const timelineOf = async (customerId: string, query: unknown) => {
    const parsed = timelineQuery.safeParse(query, { error: plainError });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new HttpError(400, `${String(issue?.path[0] ?? 'query')}: ${issue?.message ?? 'invalid'}`);
    }
    const before = parsed.data.before === undefined ? undefined : decodeCursor(parsed.data.before);
    if (parsed.data.before !== undefined && !before)
      throw new HttpError(400, 'before: not a cursor from a previous page');
    return loadTimeline(deps.db, customerId, { limit: parsed.data.limit, before });
  };

  admin.get<{ Params: { identity: string }; Querystring: Record<string, string> }>(
    '/admin/customers/:identity',
    { schema: docs.customer },
    async (request) => {
      const view = await customerOf(request.params.identity);
      return { customer: view, timeline: await timelineOf(view.id, request.query) };
    },
  );

  admin.get<{ Params: { identity: string }; Querystring: Record<string, string> }>(
    '/admin/customers/:identity/timeline',
    { schema: docs.timeline },
    async (request) => timelineOf((await customerOf(request.params.identity)).id, request.query),
  );

  // A stronger decision that stands (the customer's own, dated later) is a 409, not a silent success.
  admin.put<{ Params: { identity: string; channel: string } }>(
    '/admin/customers/:identity/consents/:channel',
    { schema: docs.consent },
    async (request, reply) => {
      const channel = channelParam.safeParse(request.params.channel, { error: plainError });
      if (!channel.success) throw new HttpError(400, `channel: expected one of ${channels.join(', ')}`);
      const body = consentBody.safeParse(request.body, { error: plainError });
      if (!body.success)
        throw new HttpError(400, 'status: expected "subscribed" or "unsubscribed"', [
          { path: 'status', message: 'invalid' },
        ]);
      const view = await customerOf(request.params.identity);
      const outcome = await setConsent(deps.db, {
        customerId: view.id,
        channel: channel.data,
        status: body.data.status,
        source: 'admin',
        at: new Date(),
      });
      if (outcome.changed) return { success: true };
      const { source, status, at } = outcome.overruledBy;
      return reply.code(409).send({
        success: false,
        error: outcome.reason,
        overruledBy: { source, status, at: at.toISOString() },
      });
    },
  );
}

function journeyRoutes(admin: FastifyInstance, deps: AdminDependencies) {
  admin.get<{ Params: { journeyId: string }; Querystring: { since?: string } }>(
    '/admin/journeys/:journeyId/stats',
    { schema: docs.stats },
    async (request) => {
      const journey = await deployedOrLast(deps.db, request.params.journeyId);
      if (!journey) throw new HttpError(404, `no deployed journey ${request.params.journeyId}`);
      const since = request.query.since === undefined ? undefined : parseSince(request.query.since);
      if (request.query.since !== undefined && !since)
        throw new HttpError(400, 'since: expected a duration such as 7d or an ISO date', [
          { path: 'since', message: 'invalid' },
        ]);
      return journeyStats(deps.db, journey.definition, {
        since,
        waitingAt: deps.countWorkflows
          ? visibilityWaitingCounter(deps.countWorkflows, journey.definition.id)
          : undefined,
      });
    },
  );
}

/** The deployed journey, or the last version of an undeployed one (its stats stay readable). */
async function deployedOrLast(db: Database, journeyId: string) {
  const deployed = (await currentJourneys(db)).find((j) => j.definition.id === journeyId);
  if (deployed) return deployed;
  const [last] = await journeyVersionsOf(db, journeyId);
  const definition = last && (await journeyAtVersion(db, journeyId, last.version));
  return definition ? { definition } : undefined;
}
