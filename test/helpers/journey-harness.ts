import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { and, eq } from 'drizzle-orm';
import { pino } from 'pino';
import { createActivities } from '../../activities/index.js';
import { identities } from '../../db/schema.js';
import type { DeliverContext, Deliverer, DeliveryRequest } from '../../delivery/delivery-request.js';
import type { JourneyDefinitionInput } from '../../domain/journey-definition.js';
import type { SendOutcome } from '../../domain/journey-runtime.js';
import { journeyWorkflowId } from '../../domain/journey-runtime.js';
import { startApiServer, type RunningApi } from '../../api/api-server.js';
import { checkJourney, deployJourneys, type VersionedJourney } from '../../catalog/journey-catalog.js';
import { createJourneyRouter } from '../../runs/journey-router.js';
import { workflowsPath } from '../../worker/create-worker.js';
import type { JourneyRunResult } from '../../workflows/journey-run/signals.js';
import { afterAll, beforeAll } from 'vitest';
import { activityServerClock, withServerClock } from './server-clock.js';
import { createTestWorker, createTimeSkippingEnvironment } from './temporal.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';
import type { EventRouter } from '../../runs/event-router.js';

/**
 * Records each delivery request with the server time at which the workflow asked for it. Alone it
 * stands in for the delivery pipeline (which has its own tests against real channel peers); given
 * the real pipeline it records what passed through and returns the pipeline's outcome.
 */
export class RecordingDeliverer implements Deliverer {
  readonly requests: { request: DeliveryRequest; scheduledAt: number; outcome: SendOutcome }[] = [];
  constructor(
    private readonly inner?: Deliverer,
    /** The server's clock: a local activity's schedule time is the worker's, not the server's. */
    private readonly serverNow?: () => Promise<Date>,
  ) {}
  deliver(request: DeliveryRequest, context?: DeliverContext): Promise<SendOutcome> {
    return withServerClock(this.serverNow, async () => {
      const scheduledAt = Context.current().info.isLocal
        ? activityServerClock().getTime()
        : Context.current().info.scheduledTimestampMs;
      const outcome = this.inner
        ? await this.inner.deliver(request, context)
        : { status: 'sent' as const, channel: request.channels[0] };
      this.requests.push({ request, scheduledAt, outcome });
      return outcome;
    });
  }
  forCustomer(customerId: string) {
    return this.requests.filter((r) => r.request.customerId === customerId);
  }
}

/** A Temporal server to run journeys on: the time-skipping environment or the shared dev server. */
export interface JourneyTemporal {
  client: Client;
  nativeConnection: NativeConnection;
  /** The server's clock (time-skipping servers run ahead of the wall clock). */
  now?: () => Promise<Date>;
}

export function timeSkipping(env: TestWorkflowEnvironment): JourneyTemporal {
  return {
    client: env.client,
    nativeConnection: env.nativeConnection,
    now: async () => new Date(await env.currentTimeMs()),
  };
}

export interface JourneyHarness {
  deliverer: RecordingDeliverer;
  api: RunningApi;
  /** The journey router behind the API, for tests that route a stored event themselves. */
  router: EventRouter;
  taskQueue: string;
  writeKey: string;
  adminToken: string;
  deploy(journeys: JourneyDefinitionInput[]): Promise<VersionedJourney[]>;
  /** `at`: the event's own time (on the time-skipping server, pass its clock). */
  track(userId: string, event: string, properties?: Record<string, unknown>, at?: Date): Promise<void>;
  identify(userId: string, traits: Record<string, unknown>, context?: Record<string, unknown>): Promise<void>;
  customerId(userId: string): Promise<string>;
  result(journeyId: string, customerId: string, entryKey: string): Promise<JourneyRunResult>;
  close(): Promise<void>;
}

/** The real path: API → ingest → router → Temporal → worker → activities → Postgres. */
export async function createJourneyHarness(
  temporal: JourneyTemporal,
  database: TestDatabase,
  options: { deliverer?: Deliverer } = {},
): Promise<JourneyHarness> {
  const deliverer = new RecordingDeliverer(options.deliverer, temporal.now);
  const { worker, taskQueue }: { worker: Worker; taskQueue: string } = await createTestWorker({
    connection: temporal.nativeConnection,
    activities: createActivities({ db: database.db, deliverer }),
    workflowsPath,
  });
  const running = worker.run();
  const router = createJourneyRouter({
    db: database.db,
    client: temporal.client,
    taskQueue,
    logger: pino({ level: 'silent' }),
    catalogTtlMs: 0,
    now: temporal.now,
  });
  const writeKey = `wk_${randomUUID()}`;
  const adminToken = randomUUID();
  const api = await startApiServer({
    db: database.db,
    router,
    secrets: {
      writeKeys: [writeKey],
      adminToken,
      unsubscribeSecret: randomUUID() + randomUUID(),
    },
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    host: '127.0.0.1',
    port: 0,
    temporal: temporal.client,
    // Events are dated by the server's clock, which runs ahead of the wall clock when time is skipped.
    clock: temporal.now,
  });
  const send = async (type: 'track' | 'identify', body: Record<string, unknown>) => {
    const response = await fetch(`${api.url}/v1/${type}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
      },
      body: JSON.stringify({ messageId: randomUUID(), ...body }),
    });
    if (response.status !== 200) throw new Error(`${type}: ${response.status} ${await response.text()}`);
  };
  return {
    deliverer,
    api,
    router,
    taskQueue,
    writeKey,
    adminToken,
    async deploy(journeys) {
      const checked = journeys.map((journey) => checkJourney(journey, journey.id));
      await deployJourneys(database.db, checked);
      return checked;
    },
    track(userId, event, properties = {}, at) {
      return send('track', { userId, event, properties, ...(at ? { timestamp: at.toISOString() } : {}) });
    },
    identify(userId, traits, context = {}) {
      return send('identify', { userId, traits, context });
    },
    async customerId(userId) {
      const [row] = await database.db
        .select()
        .from(identities)
        .where(and(eq(identities.kind, 'user_id'), eq(identities.value, userId)));
      if (!row) throw new Error(`no customer ${userId}`);
      return row.customerId;
    },
    result(journeyId, customerId, entryKey) {
      return temporal.client.workflow
        .getHandle(journeyWorkflowId(journeyId, customerId, entryKey))
        .result() as Promise<JourneyRunResult>;
    },
    async close() {
      await api.close();
      worker.shutdown();
      await running;
    },
  };
}

/**
 * Registers hooks for a test file that runs journeys on its own time-skipping server and
 * database; the returned object is filled in before the file's own `beforeAll` hooks run.
 */
export function useTimeSkippingJourneys(journeys: JourneyDefinitionInput[] = []): {
  env: TestWorkflowEnvironment;
  database: TestDatabase;
  harness: JourneyHarness;
} {
  const context = {} as { env: TestWorkflowEnvironment; database: TestDatabase; harness: JourneyHarness };
  beforeAll(async () => {
    [context.env, context.database] = await Promise.all([
      createTimeSkippingEnvironment(),
      createTestDatabase(),
    ]);
    context.harness = await createJourneyHarness(timeSkipping(context.env), context.database);
    if (journeys.length > 0) await context.harness.deploy(journeys);
  });
  afterAll(async () => {
    await context.harness?.close();
    await context.env?.teardown();
    await context.database?.drop();
  });
  return context;
}
