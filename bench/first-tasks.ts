/**
 * Whether a run has completed its first workflow task, read from Temporal itself (describe): the
 * difference between a start the server accepted and a start that did something. The bench counts
 * starts and settles phases by this, not by what the start call or its search attributes say.
 */
import type { Client } from '@temporalio/client';
import { rate, waitUntil } from './measure.js';

/** What describe() says of one run's first workflow task; `closedAt` (epoch ms) if the run ended. */
export interface FirstTask {
  done: boolean;
  closedAt?: number;
}

/**
 * Done when the history holds more than started, signalled and scheduled (≥ 5 events: the task was
 * started and completed) and no workflow task is pending.
 */
export async function firstTask(client: Client, workflowId: string): Promise<FirstTask> {
  const described = await client.workflow.getHandle(workflowId).describe();
  const done = described.historyLength >= 5 && !described.raw.pendingWorkflowTask;
  return { done, closedAt: described.closeTime?.getTime() };
}

/**
 * Waits until at least `expected` runs matching the visibility `query` have completed their first
 * workflow task (each confirmed run is described once more at most); returns the seconds it took.
 */
export async function settleFirstTasks(
  client: Client,
  query: string,
  expected: number,
  what: string,
): Promise<number> {
  const settled = new Set<string>();
  return waitUntil(
    async () => {
      const pending: string[] = [];
      for await (const run of client.workflow.list({ query }))
        if (!settled.has(run.workflowId)) pending.push(run.workflowId);
      await rate(pending.length, 16, async (i) => {
        const id = pending[i] ?? '';
        if ((await firstTask(client, id)).done) settled.add(id);
      });
      return settled.size >= expected;
    },
    600_000,
    what,
  );
}
