/**
 * The raw baselines' worker, in the bench's process: it runs the workflows of bench/raw-workflows.ts
 * on a task queue of its own, on the same server as the engine's.
 */
import { fileURLToPath } from 'node:url';
import { createWorker } from '../worker/create-worker.js';
import type { BenchEnv } from './environment.js';
import { createRawActivities, createRawLedger } from './raw-activities.js';

const workflowsPath = fileURLToPath(new URL('raw-workflows.ts', import.meta.url));

export interface RawWorker {
  queue: string;
  /** When each key's `firstActivity` began (performance.now()). */
  activityStarts: Map<string, number>;
}

export async function startRawWorker(env: BenchEnv): Promise<RawWorker> {
  const queue = `bench-raw-${env.runTag}`;
  const activityStarts = new Map<string, number>();
  const worker = await createWorker({
    connection: env.native,
    namespace: env.temporal.target.namespace,
    taskQueue: queue,
    activities: createRawActivities(activityStarts, env.db),
    workflowsPath,
  });
  await createRawLedger(env.db);
  const running = worker.run();
  env.stack.defer('raw worker', async () => {
    worker.shutdown();
    await running;
  });
  return { queue, activityStarts };
}
