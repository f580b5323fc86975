import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { events, journeyRuns } from '../db/schema.js';
import type { JourneyDefinitionInput } from '../domain/journey-definition.js';
import { useTimeSkippingJourneys, type JourneyHarness } from './helpers/journey-harness.js';
import { enterSegment, leaveSegment, routeUnrouted } from './helpers/segment-entries.js';
import type { TestDatabase } from './helpers/test-database.js';

const send = (intentKey: string) => ({
  id: 'hello',
  type: 'send' as const,
  template: 'welcome-1',
  channels: ['email' as const],
  intentKey,
});
const welcomeAlways: JourneyDefinitionInput = {
  id: 'vip-welcome',
  name: 'VIP welcome, every entry',
  trigger: { segment: 'vip', on: 'enter' },
  reEntry: { mode: 'always' },
  steps: [send('vip-welcome')],
};
const welcomeOnce: JourneyDefinitionInput = {
  id: 'vip-once',
  name: 'VIP welcome, first entry only',
  trigger: { segment: 'vip', on: 'enter' },
  reEntry: { mode: 'never' },
  steps: [send('vip-once')],
};
const goodbye: JourneyDefinitionInput = {
  id: 'vip-goodbye',
  name: 'VIP goodbye',
  trigger: { segment: 'vip', on: 'leave' },
  reEntry: { mode: 'always' },
  steps: [send('vip-goodbye')],
};
const otherSegment: JourneyDefinitionInput = {
  id: 'staff-welcome',
  name: 'Staff welcome',
  trigger: { segment: 'staff', on: 'enter' },
  steps: [send('staff-welcome')],
};

/**
 * Journeys entered from a segment: its membership changes are `Segment Entered`/`Segment Left`
 * events (written here as the segments part writes them, test/helpers/segment-entries.ts), routed
 * by the real router through the unrouted-event sweep, on the time-skipping server.
 */
describe('a journey triggered on segment entry runs once per entry under its re-entry rule', () => {
  const context = useTimeSkippingJourneys([welcomeAlways, welcomeOnce, goodbye, otherSegment]);
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let harness: JourneyHarness;
  beforeAll(() => void ({ env, database, harness } = context));

  const now = async () => new Date(await env.currentTimeMs());
  const runsOf = async (journeyId: string, customerId: string) =>
    (
      await database.db
        .select({ entryKey: journeyRuns.entryKey, status: journeyRuns.status })
        .from(journeyRuns)
        .where(and(eq(journeyRuns.journeyId, journeyId), eq(journeyRuns.customerId, customerId)))
    )
      .map((run) => run.entryKey)
      .sort();

  it('enter → a run; the same entry routed again → still one; entry 2 → a run with always, none with never; leave → the leave journey', async () => {
    await harness.identify('vip-ann', { email: 'vip-ann@example.test' });
    const customerId = await harness.customerId('vip-ann');

    expect(await enterSegment(database.db, { segmentId: 'vip', customerId, at: await now() })).toBe(1);
    expect(await routeUnrouted(database.db, harness.router)).toBe(1);
    expect((await harness.result('vip-welcome', customerId, '1')).outcome).toBe('completed');
    expect((await harness.result('vip-once', customerId, '1')).outcome).toBe('completed');

    // The same entry routed a second time (a crash after the runs started, before the event was
    // marked routed): the runs of entry 1 have ended, and no second run starts, even with `always`.
    await database.db
      .update(events)
      .set({ routedAt: null })
      .where(eq(events.messageId, `segment:vip:${customerId}:entered:1`));
    expect(await routeUnrouted(database.db, harness.router)).toBe(1);
    await env.sleep('1h');
    expect(await runsOf('vip-welcome', customerId)).toEqual(['1']);

    expect(await leaveSegment(database.db, { segmentId: 'vip', customerId, at: await now() })).toBe(1);
    await routeUnrouted(database.db, harness.router);
    expect((await harness.result('vip-goodbye', customerId, '1')).outcome).toBe('completed');

    await env.sleep('1d');
    expect(await enterSegment(database.db, { segmentId: 'vip', customerId, at: await now() })).toBe(2);
    await routeUnrouted(database.db, harness.router);
    expect((await harness.result('vip-welcome', customerId, '2')).outcome).toBe('completed');
    await env.sleep('1h');
    expect(await runsOf('vip-welcome', customerId)).toEqual(['1', '2']);
    expect(await runsOf('vip-once', customerId)).toEqual(['1']);
    expect(await runsOf('vip-goodbye', customerId)).toEqual(['1']);
    // Another segment's journey never started; the sends of entry 1 (two journeys, run concurrently:
    // in either order), the leave, and entry 2.
    expect(await runsOf('staff-welcome', customerId)).toEqual([]);
    expect(
      harness.deliverer
        .forCustomer(customerId)
        .map((r) => r.request.intentKey)
        .sort(),
    ).toEqual(['vip-goodbye', 'vip-once', 'vip-welcome', 'vip-welcome']);
  });
});
