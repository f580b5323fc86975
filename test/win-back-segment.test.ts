import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { journeyRuns } from '../db/schema.js';
import { journeyWorkflowId } from '../domain/journey-runtime.js';
import winBackPerOrder from '../journeys/legacy/win-back-per-order.js';
import winBack from '../journeys/win-back.js';
import { bundlerOptions, workflowsPath } from '../worker/create-worker.js';
import { useTimeSkippingJourneys, type JourneyHarness } from './helpers/journey-harness.js';
import { enterSegment, routeUnrouted } from './helpers/segment-entries.js';
import type { TestDatabase } from './helpers/test-database.js';

/**
 * The built-in win-back on the lapsed-customers segment: an order starts nothing (it used to start a
 * run waiting 60 days); a lapse starts one run that sends. Runs of the per-order version still in
 * flight finish on their own version after the new one is deployed, and replay against this code.
 */
describe('the segment-based win-back', () => {
  const context = useTimeSkippingJourneys([winBackPerOrder]);
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let harness: JourneyHarness;
  beforeAll(() => void ({ env, database, harness } = context));

  const runsOf = (customerId: string) =>
    database.db
      .select({
        entryKey: journeyRuns.entryKey,
        status: journeyRuns.status,
        version: journeyRuns.journeyVersion,
      })
      .from(journeyRuns)
      .where(and(eq(journeyRuns.journeyId, 'win-back'), eq(journeyRuns.customerId, customerId)));

  it('orders wait for nothing; a lapse sends once; the per-order runs in flight finish and replay', async () => {
    await harness.track('old-buyer', 'Order Completed', { order_id: 'o-old' });
    const oldBuyer = await harness.customerId('old-buyer');
    const [perOrder] = await runsOf(oldBuyer);
    expect(perOrder).toMatchObject({ entryKey: 'o-old', status: 'running' });

    const [deployed] = await harness.deploy([winBack]);
    await harness.track('new-buyer', 'Order Completed', { order_id: 'o-new' });
    const newBuyer = await harness.customerId('new-buyer');
    expect(await runsOf(newBuyer)).toEqual([]);

    // 60 days on: the per-order run sends on its own version and ends.
    await env.sleep('61d');
    expect((await harness.result('win-back', oldBuyer, 'o-old')).outcome).toBe('completed');
    expect(await runsOf(oldBuyer)).toEqual([{ ...perOrder, status: 'completed' }]);

    // The new buyer lapses (the segment writes its entry): one run of the new version, one send.
    const at = new Date(await env.currentTimeMs());
    await enterSegment(database.db, { segmentId: 'lapsed-customers', customerId: newBuyer, at });
    await routeUnrouted(database.db, harness.router);
    expect((await harness.result('win-back', newBuyer, '1')).outcome).toBe('completed');
    expect(await runsOf(newBuyer)).toEqual([
      { entryKey: '1', status: 'completed', version: deployed?.version },
    ]);
    expect(harness.deliverer.requests.map((r) => [r.request.customerId, r.request.template])).toEqual([
      [oldBuyer, 'win-back'],
      [newBuyer, 'win-back'],
    ]);

    const histories = [];
    for (const [customerId, key] of [
      [oldBuyer, 'o-old'],
      [newBuyer, '1'],
    ] as const) {
      const workflowId = journeyWorkflowId('win-back', customerId, key);
      histories.push({ workflowId, history: await env.client.workflow.getHandle(workflowId).fetchHistory() });
    }
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowsPath, bundlerOptions }, histories))
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    expect(failures).toEqual([]);
  });
});
