import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection } from '@temporalio/worker';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: object;
  /** Defaults to the engine's workflows; tests pass their own fixtures. */
  workflowsPath?: string;
  identity?: string;
}

/**
 * The one place workers are built, for `start`, `worker` and the tests alike. Our sources use
 * ESM `.js` specifiers for `.ts` files; webpack needs to be told to map them when bundling.
 */
export function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    workflowsPath: options.workflowsPath ?? workflowsPath,
    ...(options.identity ? { identity: options.identity } : {}),
    bundlerOptions: {
      webpackConfigHook: (config) => ({
        ...config,
        resolve: { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } },
      }),
    },
  });
}
