import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyRuns } from '../db/schema.js';
import { eq } from 'drizzle-orm';
import { errorReply } from '../api/openapi-schemas.js';
import { adminCall, eventually } from './helpers/admin.js';
import { registeredRoutes } from './helpers/fastify-routes.js';
import { createJourneyHarness, type JourneyHarness } from './helpers/journey-harness.js';
import { journey, send, wait } from './helpers/steps.js';
import { connectDevServer, type DevServerClients } from './helpers/temporal.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

const waiting = journey({
  id: 'admin-routes',
  name: 'Admin routes',
  trigger: { event: 'Routes Started' },
  steps: [wait({ id: 'first-wait', duration: '1h' }), send({ id: 'reminder', template: 'cart-reminder' })],
});

type Json = Record<string, unknown>;

/**
 * Issue 17, acceptance 3: a request/response test for each admin route, on the real API, router,
 * dev server and PostgreSQL: the 200 reply's shape, a 4xx with a plain-language error, and 401
 * without the token (every /admin route, read from fastify's route table).
 */
describe('admin API routes', () => {
  let temporal: DevServerClients;
  let database: TestDatabase;
  let harness: JourneyHarness;
  let workflowId: string;
  const call = (method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) =>
    adminCall({ url: harness.api.url, adminToken: harness.adminToken }, method, path, body);
  const ok = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const response = await call(method, path, body);
    const reply = (await response.json()) as Json;
    expect(response.status, JSON.stringify(reply)).toBe(200);
    return reply;
  };
  /** A refusal: the status, and a plain error (no stack, no schema jargon) that contains `says`. */
  const refused = async (
    status: number,
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    says: string,
  ) => {
    const response = await call(method, path, body);
    expect(response.status).toBe(status);
    const reply = errorReply.parse(await response.json());
    expect(reply.error).toContain(says);
    expect(reply.error).not.toMatch(/at .*\.ts:\d+|Invalid input|ZodError/);
    return reply;
  };

  beforeAll(async () => {
    [temporal, database] = await Promise.all([connectDevServer(), createTestDatabase()]);
    harness = await createJourneyHarness(temporal, database);
    await harness.deploy([waiting]);
    await harness.identify('routes-1', { email: 'routes-1@example.test', name: 'Ann' });
    await harness.track('routes-1', 'Routes Started');
    const [run] = await eventually(
      () => database.db.select().from(journeyRuns).where(eq(journeyRuns.journeyId, waiting.id)),
      (rows) => rows.length === 1,
    );
    workflowId = run!.workflowId;
  });
  afterAll(async () => {
    await harness?.close();
    await temporal?.close();
    await database?.drop();
  });

  it('refuses every /admin route without the token, or with a wrong one: 401', async () => {
    const routes = registeredRoutes(harness.api.app).filter(
      (route) => route.url.startsWith('/admin') && route.method !== 'HEAD',
    );
    expect(routes.length).toBeGreaterThanOrEqual(17);
    for (const route of routes) {
      const path = route.url.replace(/:(\w+)/g, 'x');
      for (const token of [null, 'wrong-token']) {
        const response = await adminCall(
          { url: harness.api.url, adminToken: harness.adminToken },
          route.method as 'GET',
          path,
          route.method === 'GET' ? undefined : {},
          token,
        );
        expect(response.status, `${route.method} ${route.url}`).toBe(401);
        expect(((await response.json()) as Json).error).toContain('Authorization: Bearer');
      }
    }
  });

  it('GET /admin/journeys lists deployed journeys with state and counts', async () => {
    const reply = (await ok('GET', '/admin/journeys')) as { journeys: Json[] };
    expect(reply.journeys).toEqual([
      {
        id: waiting.id,
        name: 'Admin routes',
        version: expect.stringMatching(/^[0-9a-f]{12}$/),
        trigger: 'Routes Started',
        state: 'active',
        droppedEntries: 0,
        running: 1,
        runs: 1,
      },
    ]);
  });

  it('GET /admin/journeys/:id gives the definition; 404 for an unknown journey', async () => {
    const reply = await ok('GET', `/admin/journeys/${waiting.id}`);
    expect(reply).toMatchObject({ id: waiting.id, state: 'active', definition: { id: waiting.id } });
    await refused(404, 'GET', '/admin/journeys/no-such', undefined, 'no deployed journey no-such');
  });

  it('GET /admin/journeys/:id/versions lists versions, newest first; 404 if never deployed', async () => {
    const reply = (await ok('GET', `/admin/journeys/${waiting.id}/versions`)) as { versions: Json[] };
    expect(reply.versions).toEqual([
      { version: expect.any(String), deployedAt: expect.any(String), current: true },
    ]);
    await refused(404, 'GET', '/admin/journeys/no-such/versions', undefined, 'was never deployed');
  });

  it('GET /admin/journeys/:id/diagram gives Mermaid and SVG; 404 for an unknown journey', async () => {
    const reply = await ok('GET', `/admin/journeys/${waiting.id}/diagram`);
    expect(reply.mermaid).toMatch(/^flowchart/);
    expect(reply.mermaid).toContain('first-wait');
    expect(reply.svg).toMatch(/^<svg/);
    await refused(404, 'GET', '/admin/journeys/no-such/diagram', undefined, 'no deployed journey');
  });

  it('POST /admin/journeys deploys a definition; an invalid one is a 400 naming the field', async () => {
    const next = { ...waiting, id: 'admin-deployed', name: 'Deployed by API' };
    expect(await ok('POST', '/admin/journeys', next)).toEqual({
      journeyId: 'admin-deployed',
      version: expect.any(String),
      changed: true,
    });
    expect(await ok('POST', '/admin/journeys', next)).toMatchObject({ changed: false });
    const reply = await refused(
      400,
      'POST',
      '/admin/journeys',
      { ...next, steps: [] },
      'not a valid journey',
    );
    expect(reply.issues?.[0]?.path).toContain('steps');
  });

  it('POST pause / resume / undeploy: 200 with the state; 400, 404 and 409 in plain words', async () => {
    const path = '/admin/journeys/admin-deployed';
    await refused(400, 'POST', `${path}/pause`, { runs: 'stop' }, 'runs: expected one of');
    await refused(404, 'POST', '/admin/journeys/no-such/pause', {}, 'no deployed journey');
    await refused(409, 'POST', `${path}/resume`, undefined, 'is not paused');
    expect(await ok('POST', `${path}/pause`, {})).toEqual({
      journeyId: 'admin-deployed',
      state: 'paused',
      runsEnded: 0,
      droppedEntries: 0,
    });
    expect(await ok('POST', `${path}/resume`)).toMatchObject({ state: 'active' });
    await refused(400, 'POST', `${path}/undeploy`, { runs: 'hold' }, 'runs: expected one of');
    expect(await ok('POST', `${path}/undeploy`, {})).toMatchObject({ state: 'undeployed', runsEnded: 0 });
    await refused(404, 'POST', `${path}/undeploy`, {}, 'no deployed journey');
  });

  it('GET /admin/journeys/:id/runs lists runs with the current step; filters; 400 for a bad status', async () => {
    const reply = (await ok('GET', `/admin/journeys/${waiting.id}/runs?customer=userId:routes-1`)) as {
      runs: Json[];
    };
    expect(reply.runs).toEqual([
      expect.objectContaining({ workflowId, status: 'running', currentStep: 'first-wait' }),
    ]);
    const none = (await ok('GET', `/admin/journeys/${waiting.id}/runs?status=completed`)) as { runs: Json[] };
    expect(none.runs).toEqual([]);
    const bad = await refused(
      400,
      'GET',
      `/admin/journeys/${waiting.id}/runs?status=done`,
      undefined,
      'status:',
    );
    expect(bad.issues?.[0]?.path).toBe('status');
    await refused(
      404,
      'GET',
      `/admin/journeys/${waiting.id}/runs?customer=email:nobody@example.test`,
      undefined,
      'no customer has the identity',
    );
  });

  it('POST /admin/runs/:run/cancel ends a running run; 404 unknown, 409 already ended', async () => {
    await refused(404, 'POST', '/admin/runs/no-such-run/cancel', {}, 'no journey run');
    const reply = await ok('POST', `/admin/runs/${encodeURIComponent(workflowId)}/cancel`, {
      reason: 'test over',
    });
    expect(reply).toMatchObject({ workflowId, reason: 'test over' });
    const [run] = await eventually(
      () => database.db.select().from(journeyRuns).where(eq(journeyRuns.workflowId, workflowId)),
      (rows) => rows[0]?.status === 'cancelled',
    );
    expect(run).toMatchObject({ status: 'cancelled', reason: 'test over' });
    await refused(409, 'POST', `/admin/runs/${run!.runId}/cancel`, {}, 'has already ended (cancelled)');
  });

  it('GET /admin/deliveries filters the ledger as the CLI does; 400 names a bad filter', async () => {
    const reply = (await ok('GET', '/admin/deliveries?customer=userId:routes-1&since=1h&limit=5')) as {
      deliveries: unknown[];
    };
    expect(reply.deliveries).toEqual([]);
    await refused(400, 'GET', '/admin/deliveries?status=lost', undefined, 'status:');
    await refused(400, 'GET', '/admin/deliveries?since=yesterday', undefined, 'since: expected a duration');
    await refused(400, 'GET', '/admin/deliveries?limit=0', undefined, 'limit:');
  });

  it('GET /admin/templates lists the templates and their channels', async () => {
    const reply = (await ok('GET', '/admin/templates')) as { templates: { id: string; channels: Json }[] };
    expect(reply.templates.find((t) => t.id === 'cart-reminder')?.channels).toMatchObject({
      email: ['subject', 'html', 'text'],
    });
  });

  it('POST /admin/templates/:id/preview renders for a customer or given data; 404 and 400 in plain words', async () => {
    const forAnn = (await ok('POST', '/admin/templates/cart-reminder/preview', {
      channel: 'email',
      customer: 'userId:routes-1',
    })) as { message: Json };
    expect(forAnn.message.subject).toBe('Ann, you left something in your cart');
    const given = (await ok('POST', '/admin/templates/browse-reminder/preview', {
      channel: 'push',
      trigger: { name: 'Product Viewed', properties: { name: 'Lamp', url: 'https://shop.example/lamp' } },
    })) as { message: Json };
    expect(given.message).toMatchObject({ title: 'Still interested?', body: 'Lamp is still available' });
    await refused(
      404,
      'POST',
      '/admin/templates/no-such/preview',
      { channel: 'email' },
      'no template no-such',
    );
    await refused(400, 'POST', '/admin/templates/cart-reminder/preview', { channel: 'fax' }, 'channel:');
    await refused(
      400,
      'POST',
      '/admin/templates/cart-reminder-last-call/preview',
      { channel: 'sms' },
      'has no sms part',
    );
  });

  it('GET /admin/customers/:identity looks a customer up by any identity; stats of a journey', async () => {
    const customerId = await harness.customerId('routes-1');
    for (const identity of ['userId:routes-1', 'email:routes-1@example.test', customerId]) {
      const reply = (await ok('GET', `/admin/customers/${encodeURIComponent(identity)}`)) as {
        customer: { id: string };
        timeline: { items: unknown[] };
      };
      expect(reply.customer.id).toBe(customerId);
      expect(reply.timeline.items.length).toBeGreaterThan(0);
    }
    const stats = await ok('GET', `/admin/journeys/${waiting.id}/stats`);
    expect(stats).toMatchObject({ journeyId: waiting.id, entered: 1 });
    await refused(
      404,
      'GET',
      `/admin/customers/${encodeURIComponent('email:nobody@example.test')}`,
      undefined,
      'no customer',
    );
  });
});
