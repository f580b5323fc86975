import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { WorkerTuning } from '../config/config.js';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Our sources use ESM `.js` specifiers for `.ts` files; webpack must map them when bundling workflows. */
export const bundlerOptions: WorkerOptions['bundlerOptions'] = {
  webpackConfigHook: (config) => ({
    ...config,
    resolve: { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } },
  }),
};

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: object;
  /** Defaults to the engine's workflows; tests pass their own fixtures. */
  workflowsPath?: string;
  identity?: string;
  /** Cache and concurrency limits (WORKER_* settings); unset ones keep the SDK's defaults. */
  tuning?: WorkerTuning;
}

/** The one place workers are built, for `start`, `worker` and the tests alike. */
export function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    workflowsPath: options.workflowsPath ?? workflowsPath,
    ...(options.identity ? { identity: options.identity } : {}),
    ...Object.fromEntries(Object.entries(options.tuning ?? {}).filter(([, value]) => value !== undefined)),
    bundlerOptions,
    // On stop, in-flight activities get 5 s to finish before they are cancelled (a cancelled send is
    // retried by another worker and deduplicated by the ledger); a stop never takes more than 30 s.
    shutdownGraceTime: '5s',
    shutdownForceTime: '30s',
  });
}
