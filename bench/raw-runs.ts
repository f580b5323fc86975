/** Raw Temporal workflows started by the bench's client on the raw worker's queue, awaited to their end. */
import type { BenchEnv } from './environment.js';
import { rate } from './measure.js';
import type { RawWorker } from './raw-worker.js';
import { concurrency } from './sizes.js';

/** `count` workflows of `workflowType` with `concurrency.lanes` in flight, each to its end; per second. */
export function rawWorkflows(
  { client, runTag }: BenchEnv,
  raw: RawWorker,
  workflowType: string,
  count: number,
  tag: string,
): Promise<number> {
  return rate(count, concurrency.lanes, async (i) => {
    await client.workflow.execute(workflowType, {
      taskQueue: raw.queue,
      workflowId: `raw-${workflowType}-${runTag}-${tag}-${i}`,
    });
  });
}
