import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyRuns } from '../db/schema.js';
import type { JourneyDefinitionInput } from '../domain/journey-definition.js';
import type { BackfillReport } from '../runs/journey-backfill.js';
import { runCli } from './helpers/cli.js';
import { useTimeSkippingJourneys, type JourneyHarness } from './helpers/journey-harness.js';
import { enterSegment, leaveSegment, routeUnrouted } from './helpers/segment-entries.js';
import type { TestDatabase } from './helpers/test-database.js';

const goldWelcome: JourneyDefinitionInput = {
  id: 'gold-welcome',
  name: 'Gold welcome',
  trigger: { segment: 'gold', on: 'enter' },
  reEntry: { mode: 'never' },
  steps: [{ id: 'hello', type: 'send', template: 'welcome-1', channels: ['email'], intentKey: 'gold' }],
};
const byEvent: JourneyDefinitionInput = {
  id: 'gold-by-event',
  name: 'By event',
  trigger: { event: 'Gold Asked' },
  steps: [{ id: 'hello', type: 'send', template: 'welcome-1', channels: ['email'], intentKey: 'ask' }],
};

/** `journeys backfill`: who of a segment-triggered journey's audience would enter now, and why not. */
describe('omnijourney journeys backfill', () => {
  const context = useTimeSkippingJourneys([byEvent]);
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let harness: JourneyHarness;
  let folder: string;
  let cliEnv: Record<string, string>;
  beforeAll(async () => {
    ({ env, database, harness } = context);
    folder = await mkdtemp(path.join(tmpdir(), 'omnijourney-backfill-'));
    cliEnv = {
      OMNIJOURNEY_DATA_DIR: path.join(folder, 'data'),
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: harness.taskQueue,
    };
  });
  afterAll(async () => {
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => runCli(args, cliEnv, 120_000);
  const backfill = async (...args: string[]) => {
    const result = await cli('journeys', 'backfill', 'gold-welcome', ...args, '--json');
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as BackfillReport;
  };
  const admin = (journeyId: string, body: unknown) =>
    fetch(`${harness.api.url}/admin/journeys/${journeyId}/backfill`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${harness.adminToken}` },
      body: JSON.stringify(body),
    });
  const now = async () => new Date(await env.currentTimeMs());
  const customer = async (name: string) => {
    await harness.identify(name, { email: `${name}@example.test` });
    return harness.customerId(name);
  };
  const runsOf = async (customerId: string) =>
    database.db
      .select({ entryKey: journeyRuns.entryKey })
      .from(journeyRuns)
      .where(and(eq(journeyRuns.journeyId, 'gold-welcome'), eq(journeyRuns.customerId, customerId)));

  it('dry run: counts, reasons, a sample; then enters the eligible once, however often it runs', async () => {
    const { db } = database;
    // Joined before the journey existed: never entered it.
    const early = await customer('gold-early');
    await enterSegment(db, { segmentId: 'gold', customerId: early, at: await now() });
    await routeUnrouted(db, harness.router);
    await harness.deploy([goldWelcome]);
    // Entered with the journey deployed: ran for entry 1.
    const ran = await customer('gold-ran');
    await enterSegment(db, { segmentId: 'gold', customerId: ran, at: await now() });
    // Ran for entry 1, left and came back (entry 2): `reEntry: never` keeps them out.
    const back = await customer('gold-back');
    await enterSegment(db, { segmentId: 'gold', customerId: back, at: await now() });
    await routeUnrouted(db, harness.router);
    await harness.result('gold-welcome', back, '1');
    await harness.result('gold-welcome', ran, '1');
    await env.sleep('1h');
    await leaveSegment(db, { segmentId: 'gold', customerId: back, at: await now() });
    await enterSegment(db, { segmentId: 'gold', customerId: back, at: await now() });
    // Left: not in the audience of an `on: enter` journey.
    const gone = await customer('gold-gone');
    await enterSegment(db, { segmentId: 'gold', customerId: gone, at: await now() });
    await routeUnrouted(db, harness.router);
    await leaveSegment(db, { segmentId: 'gold', customerId: gone, at: await now() });
    await routeUnrouted(db, harness.router);
    expect(await runsOf(back)).toEqual([{ entryKey: '1' }]);

    const dry = await backfill('--dry-run');
    expect(dry).toMatchObject({ dryRun: true, candidates: 3, wouldEnter: 1, started: 0 });
    expect(dry.notEntered).toEqual({ 'already ran for this entry': 1, 're-entry: never': 1 });
    expect(
      Object.fromEntries(dry.sample.map((s) => [s.customerId, `${s.entry} ${s.verdict.reason}`])),
    ).toEqual({
      [early]: '1 would enter',
      [ran]: '1 already ran for this entry',
      [back]: '2 re-entry: never',
    });
    expect(await runsOf(early)).toEqual([]);
    // The admin API answers the same.
    const viaApi = await admin('gold-welcome', { dryRun: true });
    expect([viaApi.status, await viaApi.json()]).toEqual([200, dry]);
    const text = await cli('journeys', 'backfill', 'gold-welcome', '--dry-run');
    expect(text.stdout).toContain(
      'gold-welcome (segment gold, on enter), dry run: 3 candidate(s), 1 would enter\n',
    );
    expect(text.stdout).toContain('  not entered, re-entry: never: 1\n');

    expect(await backfill()).toMatchObject({ dryRun: false, candidates: 3, wouldEnter: 1, started: 1 });
    expect((await harness.result('gold-welcome', early, '1')).outcome).toBe('completed');
    const again = await backfill();
    expect(again).toMatchObject({ wouldEnter: 0, started: 0 });
    expect(again.notEntered).toEqual({ 'already ran for this entry': 2, 're-entry: never': 1 });
    expect(await runsOf(early)).toEqual([{ entryKey: '1' }]);

    expect((await cli('journeys', 'pause', 'gold-welcome')).code).toBe(0);
    expect((await backfill('--dry-run')).notEntered).toEqual({ 'journey paused': 3 });
  });

  it('refuses a journey not triggered by a segment, in one line', async () => {
    const result = await cli('journeys', 'backfill', 'gold-by-event', '--dry-run');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'journey "gold-by-event" starts on Gold Asked, not on a segment\'s entry or exit',
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const viaApi = await admin('gold-by-event', { dryRun: true });
    expect(viaApi.status).toBe(400);
    expect(((await viaApi.json()) as { error: string }).error).toContain('starts on Gold Asked');
    expect((await admin('nobody', { dryRun: true })).status).toBe(404);
    expect((await admin('gold-welcome', { sample: -1 })).status).toBe(400);
  });
});
