/**
 * Whether a run has completed its first workflow task, read from Temporal itself (describe): the
 * difference between a start the server accepted and a start that did something. The bench counts
 * starts and settles phases by this, not by what the start call or its search attributes say.
 */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { rate, sleep, waitUntil } from './measure.js';

/** What describe() says of one run's first workflow task; `closedAt` (epoch ms) if the run ended. */
export interface FirstTask {
  done: boolean;
  closedAt?: number;
}

/**
 * Done when the history holds at least started, scheduled, started and completed (4 events; a
 * signal-with-start adds its signal) and no workflow task is pending (scheduled or started).
 */
export async function firstTask(client: Client, workflowId: string): Promise<FirstTask> {
  const described = await client.workflow.getHandle(workflowId).describe();
  const done = described.historyLength >= 4 && !described.raw.pendingWorkflowTask;
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
  /** Runs already confirmed (kept across calls: an earlier repetition's runs are not described again). */
  settled = new Set<string>(),
): Promise<number> {
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

/**
 * Confirms, beside the starts, that each run added has completed its first workflow task: a few lanes
 * describe each run once it is a second old (again, a little later, while it is not done). `settled`
 * waits for every run added so far; the runs are described while the starts go on, not after them.
 */
export function followFirstTasks(client: Client, lanes = 8) {
  const queue: { id: string; at: number }[] = [];
  let stopping = false;
  let failure: unknown;
  const lane = async () => {
    for (;;) {
      const next = queue.shift();
      if (!next) {
        if (stopping) return;
        await sleep(200);
        continue;
      }
      const age = performance.now() - next.at;
      if (age < 1_000) await sleep(1_000 - age);
      if ((await firstTask(client, next.id)).done) continue;
      queue.push({ id: next.id, at: performance.now() });
    }
  };
  const running = Array.from({ length: lanes }, () =>
    lane().catch((error: unknown) => {
      failure = error;
    }),
  );
  return {
    add(id: string) {
      queue.push({ id, at: performance.now() });
    },
    /** Every run added has completed its first workflow task (the follower ends). */
    async settled(timeoutMs: number, what: string) {
      stopping = true;
      // Unref'd: a settled follower must not keep the bench's process alive until the timeout.
      const timer = new Promise<'timeout'>((resolve) =>
        setTimeout(() => resolve('timeout'), timeoutMs).unref(),
      );
      const outcome = await Promise.race([Promise.all(running), timer]);
      if (failure) throw failure;
      if (outcome === 'timeout') throw new Error(`bench: ${what} did not finish in ${timeoutMs / 1000} s`);
    },
  };
}

/**
 * Waits until the task queue holds no workflow task waiting for a worker (the server's backlog
 * count): with a sample of a large start followed, the runs not described are confirmed by it.
 */
export async function settleBacklog(client: Client, taskQueue: string, what: string): Promise<number> {
  return waitUntil(
    async () => {
      const described = await client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        reportStats: true,
      });
      return Number(described.stats?.approximateBacklogCount ?? 0) === 0;
    },
    600_000,
    what,
  );
}

/** Describes each run until it has completed its first workflow task. */
export async function settleIds(client: Client, ids: readonly string[], what: string): Promise<void> {
  const follower = followFirstTasks(client);
  for (const id of ids) follower.add(id);
  await follower.settled(600_000, what);
}
