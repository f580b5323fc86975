import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneyRunActivities } from '../activities/run-records.js';
import { journeyRuns } from '../db/schema.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

describe('recordJourneyRun', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  const base = {
    runId: 'run-1',
    workflowId: 'journey/abandoned-cart/c1/cart-1',
    journeyId: 'abandoned-cart',
    journeyVersion: 'v1',
    entryKey: 'cart-1',
    startedAt: '2026-11-01T10:00:00.000Z',
  };

  // Ahead of the activity's clock, as on a time-skipping server: kept as the workflow gave it.
  const ahead = '2099-11-01T10:30:00.000Z';

  it('is idempotent, and a late "running" never overwrites a final outcome', async () => {
    const { recordJourneyRun } = createJourneyRunActivities(database.db);
    await recordJourneyRun({ ...base, status: 'running' });
    await recordJourneyRun({
      ...base,
      status: 'converted',
      reason: 'Order Completed',
      endedAt: ahead,
    });
    await recordJourneyRun({
      ...base,
      status: 'converted',
      reason: 'Order Completed',
      endedAt: ahead,
    });
    await recordJourneyRun({ ...base, status: 'running' });

    const rows = await database.db.select().from(journeyRuns).where(eq(journeyRuns.runId, 'run-1'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'converted', reason: 'Order Completed' });
    expect(rows[0]!.endedAt?.toISOString()).toBe(ahead);
  });

  it('records the end no earlier than the outcome is recorded (local sends run after the task began)', async () => {
    const { recordJourneyRun } = createJourneyRunActivities(database.db);
    const before = Date.now();
    // The workflow's clock: the start of its last task, before the sends it ran as local activities.
    await recordJourneyRun({
      ...base,
      runId: 'run-2',
      status: 'completed',
      endedAt: new Date(before - 30_000).toISOString(),
    });
    const [row] = await database.db.select().from(journeyRuns).where(eq(journeyRuns.runId, 'run-2'));
    expect(row!.endedAt!.getTime()).toBeGreaterThanOrEqual(before);
  });
});
