import { eq } from 'drizzle-orm';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.js';
import { journeyRuns } from '../db/schema.js';
import type { sleepThenRecord } from './fixtures/workflows.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { createTestWorker, createTimeSkippingEnvironment } from './helpers/temporal.js';

const day = 24 * 60 * 60 * 1000;

describe('time-skipping server with a real worker and real Postgres', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;

  beforeAll(async () => {
    [env, database] = await Promise.all([createTimeSkippingEnvironment(), createTestDatabase()]);
  });
  afterAll(async () => {
    await env?.teardown();
    await database?.drop();
  });

  it('completes a workflow that sleeps one day in seconds, and its activity writes a row we read back', async () => {
    const { worker, taskQueue } = await createTestWorker({
      connection: env.nativeConnection,
      activities: createActivities({ db: database.db }),
    });
    const wallStart = Date.now();
    const result = await worker.runUntil(
      env.client.workflow.execute<typeof sleepThenRecord>('sleepThenRecord', {
        taskQueue,
        workflowId: `sleep-${taskQueue}`,
        args: [{ journeyId: 'foundation', entryKey: 'cart-1', sleep: '1 day' }],
      }),
    );
    const wallMs = Date.now() - wallStart;

    // Workflow time moved a full day while the wall clock moved seconds.
    expect(Date.parse(result.endedAt) - Date.parse(result.startedAt)).toBeGreaterThanOrEqual(day);
    expect(wallMs).toBeLessThan(60_000);

    const rows = await database.db
      .select()
      .from(journeyRuns)
      .where(eq(journeyRuns.workflowId, `sleep-${taskQueue}`));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ journeyId: 'foundation', entryKey: 'cart-1', status: 'completed' });
    expect(rows[0]!.endedAt!.getTime() - rows[0]!.startedAt.getTime()).toBeGreaterThanOrEqual(day);
  });
});
