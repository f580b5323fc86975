import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BroadcastActivities } from '../../activities/broadcast-activities.js';
import { stubActivityWorker, uniqueTaskQueue } from '../../test/helpers/temporal.js';
import { broadcastDeferredSends } from './deferred.js';

/**
 * The deferred-sends workflow with stub activities on a time-skipping server: a stub ledger of
 * three recipients deferred to 6 h, 6 h and 30 h from the start. The workflow sleeps until each
 * window, hands the due ones to the batch, and ends when none is left, or when cancelled.
 */
const hour = 3_600_000;
type Stubs = Pick<BroadcastActivities, 'broadcastDeferredDue' | 'deliverDeferredBatch'>;

function stubLedger(start: number, status: () => string) {
  const deferred = new Map([
    ['a', start + 6 * hour],
    ['b', start + 6 * hour],
    ['c', start + 30 * hour],
  ]);
  const batches: { ids: string[]; at: number }[] = [];
  // A regular activity's scheduled time is the server's (skipped) clock.
  const now = () => Context.current().info.scheduledTimestampMs;
  const activities: Stubs = {
    async broadcastDeferredDue({ limit }) {
      const at = now();
      const due = [...deferred].filter(([, until]) => until <= at).map(([id]) => id);
      const ahead = [...deferred.values()].filter((until) => until > at);
      const nextAt = ahead.length > 0 ? new Date(Math.min(...ahead)).toISOString() : null;
      return { status: status(), due: due.slice(0, limit), nextAt };
    },
    async deliverDeferredBatch({ customerIds }) {
      batches.push({ ids: customerIds, at: now() });
      for (const id of customerIds) deferred.delete(id);
      return { customers: customerIds.length, statuses: { sent: customerIds.length }, cancelled: false };
    },
  };
  return { activities, batches };
}

describe('a broadcast’s deferred sends', () => {
  let env: TestWorkflowEnvironment;
  let close: () => Promise<void>;
  const taskQueue = uniqueTaskQueue('deferred');
  let current: Stubs | undefined;
  beforeAll(async () => {
    ({ env, close } = await stubActivityWorker<Stubs>(
      taskQueue,
      ['broadcastDeferredDue', 'deliverDeferredBatch'],
      () => current,
    ));
  }, 120_000);
  afterAll(() => close?.());

  it('sends each recipient when their window opens, not before, then ends', async () => {
    const start = await env.currentTimeMs();
    const ledger = stubLedger(start, () => 'completed');
    current = ledger.activities;
    const result = await env.client.workflow.execute(broadcastDeferredSends, {
      taskQueue,
      workflowId: `deferred-${start}`,
      args: [{ broadcastId: 'b1', batchSize: 500 }],
    });
    expect(result).toEqual({ broadcastId: 'b1', sent: 3, end: 'done' });
    expect(ledger.batches.map((b) => b.ids)).toEqual([['a', 'b'], ['c']]);
    expect(ledger.batches[0]?.at).toBeGreaterThanOrEqual(start + 6 * hour);
    expect(ledger.batches[0]?.at).toBeLessThan(start + 6 * hour + 60_000);
    expect(ledger.batches[1]?.at).toBeGreaterThanOrEqual(start + 30 * hour);
  });

  it('a cancelled broadcast sends nothing more', async () => {
    const start = await env.currentTimeMs();
    let status = 'completed';
    const ledger = stubLedger(start, () => status);
    current = ledger.activities;
    const handle = await env.client.workflow.start(broadcastDeferredSends, {
      taskQueue,
      workflowId: `deferred-cancelled-${start}`,
      args: [{ broadcastId: 'b2', batchSize: 500 }],
    });
    // Cancelled while it sleeps towards the first window.
    status = 'cancelled';
    expect(await handle.result()).toEqual({ broadcastId: 'b2', sent: 0, end: 'cancelled' });
    expect(ledger.batches).toEqual([]);
  });
});
