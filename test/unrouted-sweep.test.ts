import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestMessage } from '../customers/ingest-message.js';
import { events, journeyRuns } from '../db/schema.js';
import type { JourneyDefinitionInput } from '../domain/journey-definition.js';
import { journeyWorkflowId } from '../domain/journey-runtime.js';
import { createJourneyRouter } from '../runs/journey-router.js';
import { routeStoredEvent } from '../runs/route-stored-event.js';
import { startUnroutedSweep } from '../runs/unrouted-sweep.js';
import { useTimeSkippingJourneys, type JourneyHarness } from './helpers/journey-harness.js';
import type { TestDatabase } from './helpers/test-database.js';

/** Sends at once and ends; re-entry always: a second routing of one trigger would be a second run. */
const welcome: JourneyDefinitionInput = {
  id: 'sweep-welcome',
  name: 'Welcome',
  trigger: { event: 'Signed Up' },
  reEntry: { mode: 'always' },
  steps: [{ id: 'hello', type: 'send', template: 'welcome-1', channels: ['email'], intentKey: 'hello' }],
};

/** Waits an hour first: a second routing of its trigger would reach the running run as a second signal. */
const trial: JourneyDefinitionInput = {
  id: 'sweep-trial',
  name: 'Trial',
  trigger: { event: 'Trial Started' },
  steps: [
    { id: 'pause', type: 'wait', duration: '1h' },
    { id: 'hello', type: 'send', template: 'welcome-1', channels: ['email'], intentKey: 'trial' },
  ],
};

describe('events stored but not routed (the process died in between)', () => {
  const context = useTimeSkippingJourneys([welcome, trial]);
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let harness: JourneyHarness;
  beforeAll(() => void ({ env, database, harness } = context));
  const logger = pino({ level: 'silent' });

  /** The trigger as ingest stores it, with nothing routing it afterwards: the crash. */
  const storeOnly = async (user: string, event = 'Signed Up') => {
    const now = new Date(await env.currentTimeMs());
    const message = { type: 'track' as const, userId: user, event, messageId: randomUUID() };
    const stored = await ingestMessage(database.db, { ...message, timestamp: now }, { receivedAt: now });
    if (stored.outcome !== 'stored') throw new Error('not stored');
    return stored;
  };
  const runsOf = (customerId: string) =>
    database.db.select().from(journeyRuns).where(eq(journeyRuns.customerId, customerId));
  const routedAt = async (id: number) =>
    (await database.db.select().from(events).where(eq(events.id, id)))[0]?.routedAt;

  it('two API processes start at once: their sweeps route it, one run, one send', async () => {
    const { event, customer } = await storeOnly(`crash-${randomUUID()}`);
    expect(await routedAt(event.id)).toBeNull();
    // The second process has its own router, as a second API would.
    const other = createJourneyRouter({
      db: database.db,
      client: env.client,
      taskQueue: harness.taskQueue,
      logger,
      catalogTtlMs: 0,
      now: async () => new Date(await env.currentTimeMs()),
    });
    const sweeps = [harness.router, other].map((router) =>
      startUnroutedSweep({ db: database.db, router, logger, intervalMs: 3_600_000 }),
    );
    await Promise.all(sweeps.map((sweep) => sweep.sweep()));
    await Promise.all(sweeps.map((sweep) => sweep.stop()));
    expect(await routedAt(event.id)).not.toBeNull();
    expect((await harness.result('sweep-welcome', customer.id, 'default')).outcome).toBe('completed');
    expect(harness.deliverer.forCustomer(customer.id)).toHaveLength(1);
    expect(await runsOf(customer.id)).toHaveLength(1);

    // The next start finds nothing left to route.
    const again = startUnroutedSweep({
      db: database.db,
      router: harness.router,
      logger,
      intervalMs: 3_600_000,
    });
    expect(await again.sweep()).toBe(0);
    await again.stop();
  });

  it('a sweep that read the event before another routed it routes nothing twice', async () => {
    const { event, customer } = await storeOnly(`stale-${randomUUID()}`, 'Trial Started');
    const route = harness.router.route.bind(harness.router);
    await routeStoredEvent(database.db, event, route);
    // Read before the first routing marked it: routed again, it would signal the waiting run again.
    await routeStoredEvent(database.db, event, route);
    const history = await env.client.workflow
      .getHandle(journeyWorkflowId('sweep-trial', customer.id, 'default'))
      .fetchHistory();
    const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes);
    expect(signals).toHaveLength(1);
    expect(await runsOf(customer.id)).toHaveLength(1);
  });
});
