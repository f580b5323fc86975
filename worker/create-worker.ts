import path from 'node:path';
import type { Logger as TemporalLogger } from '@temporalio/common';
import {
  bundleWorkflowCode,
  Runtime,
  Worker,
  type NativeConnection,
  type WorkerOptions,
} from '@temporalio/worker';
import type { WorkerTuning } from '../config/config.js';
import { projectRoot } from '../infra/project-root.js';

/** The workflow sources (not the compiled build): webpack bundles them for the sandbox. */
export const workflowsPath = path.join(projectRoot, 'workflows', 'index.ts');

/** Our sources use ESM `.js` specifiers for `.ts` files; webpack must map them when bundling workflows. */
export const bundlerOptions: WorkerOptions['bundlerOptions'] = {
  // cron-parser (scheduled entry) requires `fs` only in parseFile, which workflows never call.
  ignoreModules: ['fs'],
  webpackConfigHook: (config) => ({
    ...config,
    resolve: { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } },
  }),
};

/** The engine's workflow bundle as code, for `omnijourney bundle` and for tests that restart workers. */
export async function buildWorkflowBundle(): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath, ...bundlerOptions, logger: quietBundler });
  return code;
}

const quietBundler = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`bundler: ${message}\n`),
  error: (message: string) => process.stderr.write(`bundler: ${message}\n`),
};

/**
 * The bundler's chatter (webpack's module list, "Workflow bundle created") goes to the process
 * logger at debug; its warnings and errors keep their level.
 */
export function bundlerLogger(logger: TemporalLogger): TemporalLogger {
  const level = (wanted: Parameters<TemporalLogger['log']>[0]) => (wanted === 'INFO' ? 'DEBUG' : wanted);
  return {
    log: (wanted, message, meta) => logger.log(level(wanted), message, meta),
    trace: (message, meta) => logger.trace(message, meta),
    debug: (message, meta) => logger.debug(message, meta),
    info: (message, meta) => logger.debug(message, meta),
    warn: (message, meta) => logger.warn(message, meta),
    error: (message, meta) => logger.error(message, meta),
  };
}

/** A prebuilt bundle (WORKER_WORKFLOW_BUNDLE), or the workflows bundled now, quietly. */
async function workflowBundleFor(options: CreateWorkerOptions): Promise<WorkerOptions['workflowBundle']> {
  if (options.tuning?.workflowBundle) return { codePath: options.tuning.workflowBundle };
  const { code } = await bundleWorkflowCode({
    workflowsPath: options.workflowsPath ?? workflowsPath,
    ...bundlerOptions,
    logger: bundlerLogger(Runtime.instance().logger),
  });
  return { code };
}

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
export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    workflowBundle: await workflowBundleFor(options),
    ...(options.identity ? { identity: options.identity } : {}),
    // Only the limits that are set: an explicit undefined would override the SDK's defaults.
    ...definedOnly({
      maxCachedWorkflows: options.tuning?.maxCachedWorkflows,
      maxConcurrentWorkflowTaskExecutions: options.tuning?.maxConcurrentWorkflowTaskExecutions,
      maxConcurrentActivityTaskExecutions: options.tuning?.maxConcurrentActivityTaskExecutions,
    }),
    maxConcurrentLocalActivityExecutions: localActivitySlots(options.tuning),
    // On stop, in-flight activities get 5 s to finish before they are cancelled (a cancelled send is
    // retried by another worker and deduplicated by the ledger); a stop never takes more than 30 s.
    shutdownGraceTime: '5s',
    shutdownForceTime: '30s',
  });
}

/** The SDK's default workflow-task slots, which `WORKER_MAX_WORKFLOW_TASKS` overrides. */
const defaultWorkflowTaskSlots = 40;

/**
 * Sends and profile reads run as local activities inside their run's workflow task, one at a time
 * per run, so at most one per workflow task in flight: as many slots as workflow-task slots. More
 * would never fill; fewer would leave a workflow task waiting for a slot while its timeout runs.
 */
function localActivitySlots(tuning: WorkerTuning | undefined): number {
  return tuning?.maxConcurrentWorkflowTaskExecutions ?? defaultWorkflowTaskSlots;
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
