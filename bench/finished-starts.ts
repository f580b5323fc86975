/**
 * The raw signal-with-start baseline counted as finished work: each measured empty workflow is
 * described until its first (and only) workflow task has completed, and the clock stops at the last
 * one's close time, so the rate is of starts that did something, not of calls the server accepted.
 */
import type { BenchEnv } from './environment.js';
import { firstTask } from './first-tasks.js';
import { rate, waitUntil } from './measure.js';

export interface FinishedStarts {
  /** Runs that completed their first workflow task. */
  finished: number;
  /** Finished runs per second from `startedAt` to the last one's close. */
  rate: number;
}

export async function finishedStarts(
  { client }: BenchEnv,
  idPrefix: string,
  count: number,
  /** Epoch ms when the first start call went out. */
  startedAt: number,
): Promise<FinishedStarts> {
  const closedAt = new Map<number, number>();
  await waitUntil(
    async () => {
      const pending = Array.from({ length: count }, (_, i) => i).filter((i) => !closedAt.has(i));
      await rate(pending.length, 16, async (j) => {
        const i = pending[j] ?? 0;
        const task = await firstTask(client, `${idPrefix}${i}`);
        if (task.done && task.closedAt !== undefined) closedAt.set(i, task.closedAt);
      });
      return closedAt.size >= count;
    },
    600_000,
    'raw signal-with-starts finishing their first workflow task',
  );
  const last = Math.max(...closedAt.values());
  return { finished: closedAt.size, rate: closedAt.size / (Math.max(1, last - startedAt) / 1000) };
}
