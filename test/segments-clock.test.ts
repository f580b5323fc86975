import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.js';
import { createSegmentCatalog } from '../audiences/segment-catalog.js';
import { deploySegments } from '../audiences/segment-store.js';
import { events, journeyRuns, segmentMemberships } from '../db/schema.js';
import { checkJourney, deployJourneys } from '../catalog/journey-catalog.js';
import { validateSegment } from '../domain/segment-definition.js';
import { createAudienceRouter } from '../runs/audience-router.js';
import { ensureSegmentClockSchedule } from '../runs/segment-clock-schedule.js';
import { workflowsPath } from '../worker/create-worker.js';
import type { segmentClock } from '../workflows/segment-clock/workflow.js';
import { postJson, startTestApi, type TestApi } from './helpers/api.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { connectDevServer, createTestWorker, createTimeSkippingEnvironment } from './helpers/temporal.js';

/**
 * Time-based membership: the segment clock's tick workflow on the time-skipping server, with the
 * real activity on real PostgreSQL. The time-skipping server has no Schedules (sdk-java#1954), so
 * the ticks are started here as the Schedule would start them; the Schedule itself is checked on
 * the dev server below.
 */
const day = 86_400_000;
const lapsed = (() => {
  const parsed = validateSegment({
    id: 'lapsed-buyers',
    name: 'Bought once, nothing in 60 days',
    conditions: [{ event: 'Order Completed' }, { event: 'Order Completed', count: { eq: 0 }, within: '60d' }],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.definition;
})();

describe('the segment clock', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let api: TestApi;
  let worker: Worker;
  let running: Promise<void>;
  let taskQueue: string;
  const serverNow = async () => new Date(await env.currentTimeMs());

  beforeAll(async () => {
    [env, database] = await Promise.all([createTimeSkippingEnvironment(), createTestDatabase()]);
    await deploySegments(database.db, [lapsed]);
    // A journey on entry: the tick hands it the entry at once (not at the unrouted-event sweep).
    await deployJourneys(database.db, [
      checkJourney(
        {
          id: 'win-back-lapsed',
          name: 'Win back the lapsed',
          trigger: { segment: 'lapsed-buyers', on: 'enter' },
          steps: [
            { id: 'hello', type: 'send', template: 'welcome-1', channels: ['email'], intentKey: 'win-back' },
          ],
        },
        'win-back-lapsed',
      ),
    ]);
    api = await startTestApi(database.db, {
      clock: serverNow,
      wrapRouter: (journeys) =>
        createAudienceRouter({
          db: database.db,
          journeys,
          logger: pino({ level: 'silent' }),
          catalog: createSegmentCatalog({ ttlMs: 0 }),
          now: serverNow,
        }),
    });
    ({ worker, taskQueue } = await createTestWorker({
      connection: env.nativeConnection,
      // Every activity (a journey run started by the tick runs on this worker too).
      activities: createActivities({ db: database.db }),
      workflowsPath,
    }));
    running = worker.run();
  }, 120_000);
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await api?.close();
    await database?.drop();
    await env?.teardown();
  });

  const tick = () =>
    env.client.workflow.execute<typeof segmentClock>('segmentClock', {
      taskQueue,
      workflowId: `segment-clock-${randomUUID()}`,
      args: [{}],
    });
  const row = async () => (await database.db.select().from(segmentMemberships))[0];

  it('enters "no order in 60 days" exactly 60 days after the order: not at a tick on day 59', async () => {
    const orderedAt = await serverNow();
    const response = await postJson(api, '/v1/track', {
      userId: 'carol',
      event: 'Order Completed',
      properties: { orderId: 'o-1', total: 40 },
      timestamp: orderedAt.toISOString(),
    });
    expect(response.status).toBe(200);
    const edge = new Date(orderedAt.getTime() + 60 * day);
    expect(await row()).toMatchObject({ member: false, nextCheckAt: edge });

    await env.sleep(59 * day);
    expect(await tick()).toMatchObject({ customers: 0, changes: 0, more: false });
    expect(await row()).toMatchObject({ member: false, entries: 0, enteredAt: null });

    // The next tick after the edge (ticks are a minute apart) dates the entry at the edge itself.
    await env.sleep(day + 45_000);
    expect(await tick()).toMatchObject({ customers: 1, changes: 1 });
    expect(await row()).toMatchObject({ member: true, entries: 1, enteredAt: edge, nextCheckAt: null });
    const [entered] = await database.db.select().from(events).where(eq(events.name, 'Segment Entered'));
    expect(entered).toMatchObject({
      occurredAt: edge,
      routedAt: expect.any(Date),
      properties: { segment: 'lapsed-buyers', entry: 1 },
    });
    // Routed by the tick itself: the journey on entry has its run.
    const runs = await database.db
      .select()
      .from(journeyRuns)
      .where(eq(journeyRuns.journeyId, 'win-back-lapsed'));
    expect(runs).toHaveLength(1);
    expect(runs[0]?.customerId).toBe(entered?.customerId);
    // Nothing further is due: the next tick evaluates nobody.
    expect(await tick()).toMatchObject({ customers: 0, changes: 0 });
  });

  it('re-evaluates only rows whose edge passed, a page at a time within the bound per tick', async () => {
    const orderedAt = await serverNow();
    for (const userId of ['d1', 'd2', 'd3'])
      await postJson(api, '/v1/track', {
        userId,
        event: 'Order Completed',
        properties: { orderId: `o-${userId}`, total: 10 },
        timestamp: orderedAt.toISOString(),
      });
    await env.sleep(61 * day);
    const result = await env.client.workflow.execute<typeof segmentClock>('segmentClock', {
      taskQueue,
      workflowId: `segment-clock-${randomUUID()}`,
      args: [{ pageSize: 1, maxPages: 2 }],
    });
    expect(result).toMatchObject({ customers: 2, changes: 2, more: true });
    expect(await tick()).toMatchObject({ customers: 1, changes: 1, more: false });
    const members = await database.db
      .select()
      .from(segmentMemberships)
      .where(eq(segmentMemberships.member, true));
    // Carol from before, and the three, each dated at their own edge however late the tick.
    expect(members).toHaveLength(4);
    const edge = orderedAt.getTime() + 60 * day;
    expect(members.filter((m) => m.enteredAt?.getTime() === edge)).toHaveLength(3);
  });
});

describe('the segment clock Schedule (dev server)', () => {
  it('is created once and updated in place on each start, every minute, skipping overlaps', async () => {
    const dev = await connectDevServer();
    const scheduleId = `segment-clock-test-${randomUUID()}`;
    try {
      expect(await ensureSegmentClockSchedule(dev.client, 'queue-a', scheduleId)).toBe('created');
      expect(await ensureSegmentClockSchedule(dev.client, 'queue-b', scheduleId)).toBe('updated');
      const description = await dev.client.schedule.getHandle(scheduleId).describe();
      expect(description.spec.intervals).toMatchObject([{ every: 60_000 }]);
      expect(description.action).toMatchObject({ workflowType: 'segmentClock', taskQueue: 'queue-b' });
      expect(description.policies.overlap).toBe('SKIP');
    } finally {
      await dev.client.schedule
        .getHandle(scheduleId)
        .delete()
        .catch(() => undefined);
      await dev.close();
    }
  });
});
