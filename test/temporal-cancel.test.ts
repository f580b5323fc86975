import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { journeyRuns } from '../db/schema.js';
import { runProcess } from '../infra/run-process.js';
import type { JourneyStats } from '../runs/journey-stats.js';
import { temporalCancelReason } from '../workflows/journey-run/workflow.js';
import { runCli } from './helpers/cli.js';
import { createJourneyHarness, type JourneyHarness } from './helpers/journey-harness.js';
import { journey, send, wait } from './helpers/steps.js';
import { connectDevServer, type DevServerClients } from './helpers/temporal.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

/**
 * A run cancelled from outside the engine (`temporal workflow cancel`, the UI's Cancel button) on
 * the real dev server: recorded as cancelled with the reason, listed and counted as such.
 */
const slow = journey({
  id: 'temporal-cancel',
  trigger: { event: 'Product Added' },
  steps: [wait({ id: 'wait', duration: '1h' }), send({ id: 'reminder', template: 'cart-reminder' })],
});

describe('a run cancelled with `temporal workflow cancel`', () => {
  let temporal: DevServerClients;
  let database: TestDatabase;
  let harness: JourneyHarness;
  let folder: string;
  beforeAll(async () => {
    [temporal, database] = await Promise.all([connectDevServer(), createTestDatabase()]);
    harness = await createJourneyHarness(temporal, database);
    await harness.deploy([slow]);
    folder = await mkdtemp(path.join(tmpdir(), 'omnijourney-cancel-'));
  });
  afterAll(async () => {
    await harness?.close();
    await temporal?.close();
    await database?.drop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const runRow = async () => {
    const [row] = await database.db.select().from(journeyRuns).where(eq(journeyRuns.journeyId, slow.id));
    return row;
  };
  const until = async <T>(read: () => Promise<T>, test: (value: T) => boolean): Promise<T> => {
    for (let tries = 0; ; tries++) {
      const value = await read();
      if (test(value) || tries > 200) return value;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it('records journey_runs.status cancelled with the reason, shown by journeys runs and counted in stats', async () => {
    await harness.track('cancel-me', 'Product Added');
    const started = await until(runRow, (row) => row?.status === 'running');
    expect(started?.status).toBe('running');
    const workflowId = started!.workflowId;
    const handle = temporal.client.workflow.getHandle(workflowId);
    await until(
      async () => (await handle.fetchHistory()).events?.some((e) => e.timerStartedEventAttributes) ?? false,
      Boolean,
    );

    const cancel = await runProcess(
      inject('temporalCli'),
      ['workflow', 'cancel', '--address', inject('devServerAddress'), '--workflow-id', workflowId],
      { timeoutMs: 30_000 },
    );
    expect(cancel.code, cancel.stderr).toBe(0);

    const ended = await until(runRow, (row) => row?.status !== 'running');
    expect(ended).toMatchObject({ status: 'cancelled', reason: temporalCancelReason });
    expect(ended?.endedAt).toBeInstanceOf(Date);
    // The row is written just before the workflow closes: wait for the close.
    await expect(handle.result()).rejects.toThrow();
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect(harness.deliverer.requests).toHaveLength(0);

    const env = {
      OMNIJOURNEY_DATA_DIR: path.join(folder, 'data'),
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: inject('devServerAddress'),
    };
    const runs = await runCli(['journeys', 'runs', slow.id, '--json'], env);
    expect(runs.code, runs.stderr).toBe(0);
    expect(JSON.parse(runs.stdout)).toEqual([
      expect.objectContaining({ workflowId, status: 'cancelled', reason: temporalCancelReason }),
    ]);
    const table = await runCli(['journeys', 'runs', slow.id, '--status', 'cancelled'], env);
    expect(table.stdout).toContain(workflowId);
    expect(table.stdout).toContain('cancelled');
    const stats = await runCli(['stats', slow.id, '--json'], env);
    expect(stats.code, stats.stderr).toBe(0);
    expect((JSON.parse(stats.stdout) as JourneyStats).outcomes).toMatchObject({ cancelled: 1, failed: 0 });
  });

  it('journeys cancel --json cancels a running run; journeys runs --customer takes an identity', async () => {
    const runOf = async (customerId: string) => {
      const [row] = await database.db
        .select()
        .from(journeyRuns)
        .where(eq(journeyRuns.customerId, customerId));
      return row;
    };
    await harness.track('cancel-by-cli', 'Product Added');
    const customerId = await harness.customerId('cancel-by-cli');
    const started = await until(
      () => runOf(customerId),
      (row) => row?.status === 'running',
    );
    const env = {
      OMNIJOURNEY_DATA_DIR: path.join(folder, 'data'),
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: inject('devServerAddress'),
    };
    const cancel = await runCli(
      ['journeys', 'cancel', started!.workflowId, '--reason', 'test', '--json'],
      env,
    );
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(JSON.parse(cancel.stdout)).toMatchObject({
      workflowId: started!.workflowId,
      cancelRequested: true,
      reason: 'test',
    });
    const ended = await until(
      () => runOf(customerId),
      (row) => row?.status !== 'running',
    );
    expect(ended?.status).toBe('cancelled');

    const mine = await runCli(
      ['journeys', 'runs', slow.id, '--customer', 'userId:cancel-by-cli', '--json'],
      env,
    );
    expect(mine.code, mine.stderr).toBe(0);
    expect((JSON.parse(mine.stdout) as { workflowId: string }[]).map((r) => r.workflowId)).toEqual([
      started!.workflowId,
    ]);
    const again = await runCli(['journeys', 'cancel', started!.workflowId, '--json'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`omnijourney: run ${started!.workflowId} has already ended (cancelled)\n`);
  });
});
