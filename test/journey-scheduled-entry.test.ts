import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveries, journeyRuns } from '../db/schema.js';
import type { JourneyDefinitionInput } from '../domain/journey-definition.js';
import { localParts } from '../domain/local-time.js';
import { journeyStateOf } from '../catalog/journey-state.js';
import { pauseJourney, undeployJourney } from '../runs/journey-control.js';
import { syncScheduledEntries } from '../runs/scheduled-entries.js';
import { scheduledEntryWorkflowId } from '../workflows/scheduled-entry/signals.js';
import { activityServerClock, emailPipeline } from './helpers/email-pipeline.js';
import { startEmailJourneyServers, type EmailJourneyServers } from './helpers/email-journey-servers.js';
import { createJourneyHarness, timeSkipping, type JourneyHarness } from './helpers/journey-harness.js';
import { enterSegment } from './helpers/segment-entries.js';

const newsletter: JourneyDefinitionInput = {
  id: 'morning-newsletter',
  name: 'Morning newsletter',
  trigger: { segment: 'subscribers', schedule: '0 10 * * *', timeZone: 'customer' },
  // Each day's occurrence is a new entry: `always` lets the customer in every day.
  reEntry: { mode: 'always' },
  steps: [
    {
      id: 'letter',
      type: 'send',
      template: 'welcome-1',
      channels: ['email'],
      intentKey: 'morning-newsletter',
      intentWindow: '1h',
    },
  ],
};

const zones = {
  'ny-reader': 'America/New_York',
  'paris-reader': 'Europe/Paris',
  'tokyo-reader': 'Asia/Tokyo',
};

/**
 * A scheduled journey on the time-skipping server: "10:00 in each customer's time zone" for three
 * members in three zones, sent through the real delivery pipeline to the SMTP peer, for two days.
 */
describe('a scheduled journey sends at 10:00 in each customer’s time zone', () => {
  let servers: EmailJourneyServers | undefined;
  let env: TestWorkflowEnvironment;
  let harness: JourneyHarness;

  beforeAll(async () => {
    servers = await startEmailJourneyServers();
    env = servers.env;
    const pipeline = emailPipeline(servers.database.db, servers.smtp.url, { now: activityServerClock });
    harness = await createJourneyHarness(timeSkipping(env), servers.database, { deliverer: pipeline });
  });
  afterAll(async () => {
    await harness?.close();
    await servers?.close();
  });

  it('each member gets one letter a day, at 10:00 their time', async () => {
    const { db } = servers!.database;
    const ids: Record<string, string> = {};
    for (const [name, zone] of Object.entries(zones)) {
      await harness.identify(name, { email: `${name}@example.test` }, { timezone: zone });
      ids[name] = await harness.customerId(name);
      const at = new Date(await env.currentTimeMs());
      await enterSegment(db, { segmentId: 'subscribers', customerId: ids[name], at });
    }
    await harness.deploy([newsletter]);
    // The deploy's step that starts the journey's scheduled-entry workflow.
    expect(await syncScheduledEntries(db, env.client, harness.taskQueue)).toEqual(['morning-newsletter']);
    const start = await env.currentTimeMs();
    await env.sleep('2d');

    for (const [name, zone] of Object.entries(zones)) {
      const customerId = ids[name]!;
      const sends = harness.deliverer.forCustomer(customerId);
      expect(sends.map((s) => s.outcome.status)).toEqual(['sent', 'sent']);
      const local = sends.map((s) => localParts(new Date(s.scheduledAt), zone));
      // At 10:00 local (the run's first task, within a minute), on two consecutive local days.
      for (const at of local) expect(at.minutes).toBe(10 * 60);
      const days = local.map((at) => at.date.toISOString().slice(0, 10));
      expect(new Set(days).size).toBe(2);
      for (const send of sends) expect(send.scheduledAt).toBeGreaterThan(start);
      const rows = await db
        .select({ status: deliveries.status })
        .from(deliveries)
        .where(eq(deliveries.customerId, customerId));
      expect(rows.map((r) => r.status)).toEqual(['sent', 'sent']);
      const runs = await db
        .select({ entryKey: journeyRuns.entryKey })
        .from(journeyRuns)
        .where(and(eq(journeyRuns.customerId, customerId), eq(journeyRuns.journeyId, 'morning-newsletter')));
      expect(runs.map((r) => r.entryKey.slice(10)).sort()).toEqual(['T10:00', 'T10:00']);
      expect(servers!.smtp.messages.filter((m) => JSON.stringify(m.to).includes(name))).toHaveLength(2);
    }
    const scheduler = env.client.workflow.getHandle(scheduledEntryWorkflowId('morning-newsletter'));
    expect((await scheduler.describe()).status.name).toBe('RUNNING');

    // Paused: the next day's occurrences start nothing and are counted as dropped entries.
    await pauseJourney(db, 'morning-newsletter');
    const sendsBefore = harness.deliverer.requests.length;
    await env.sleep('1d');
    expect(harness.deliverer.requests.length).toBe(sendsBefore);
    expect((await journeyStateOf(db, 'morning-newsletter')).droppedEntries).toBe(3);

    // Undeployed: the entry workflow ends at its next plan (within an hour), having entered no one more.
    await undeployJourney(db, 'morning-newsletter');
    await env.sleep('2h');
    expect(await scheduler.result()).toBe('the journey is no longer deployed with a schedule');
  });
});
