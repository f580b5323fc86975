import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { inject } from 'vitest';
import { searchAttributeNames } from '../../domain/search-attributes.js';
import { buildWorkflowBundle, createWorker } from '../../worker/create-worker.js';

export const fixtureWorkflowsPath = fileURLToPath(new URL('../fixtures/workflows.ts', import.meta.url));

/** A unique task queue per test, so workers of parallel files never steal each other's tasks. */
export function uniqueTaskQueue(label = 'test'): string {
  return `${label}-${randomUUID()}`;
}

/**
 * The native time-skipping test server, one per test file (time skipping is global to a server,
 * so files must not share one). Used where a test needs hours or days to pass.
 */
export async function createTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: inject('temporalTestServer') } },
  });
  // The engine's search attributes, as `start` registers them on a real cluster.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      searchAttributeNames.map((name) => [
        name,
        proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      ]),
    ),
  });
  return env;
}

export interface DevServerClients {
  client: Client;
  connection: Connection;
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}

/** Clients of the run's shared dev server (real time, search attributes, visibility). */
export async function connectDevServer(): Promise<DevServerClients> {
  const address = inject('devServerAddress');
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  return {
    client: new Client({ connection, namespace: 'default' }),
    connection,
    nativeConnection,
    async close() {
      await nativeConnection.close();
      await connection.close();
    },
  };
}

export interface TestWorkerOptions {
  connection: NativeConnection;
  activities?: object;
  workflowsPath?: string;
  namespace?: string;
}

/** A real worker on a fresh task queue, built like the engine's own (same bundler settings). */
export async function createTestWorker(
  options: TestWorkerOptions,
): Promise<{ worker: Worker; taskQueue: string }> {
  const taskQueue = uniqueTaskQueue();
  const worker = await createWorker({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue,
    activities: options.activities ?? {},
    workflowsPath: options.workflowsPath ?? fixtureWorkflowsPath,
  });
  return { worker, taskQueue };
}

type StubActivity = (...args: never[]) => Promise<unknown>;

/**
 * A time-skipping server and a worker on the engine's workflow bundle whose activities are stubs
 * (the samples' way to test a workflow alone): each call goes to `stubs()[name]` as it is at the
 * call, so a test file swaps them per case.
 */
export async function stubActivityWorker<S extends Record<string, StubActivity>>(
  taskQueue: string,
  names: readonly (keyof S & string)[],
  stubs: () => Partial<S> | undefined,
): Promise<{ env: TestWorkflowEnvironment; close(): Promise<void> }> {
  const [env, code] = await Promise.all([createTimeSkippingEnvironment(), buildWorkflowBundle()]);
  const call =
    (name: keyof S & string) =>
    (...args: unknown[]) => {
      const stub = stubs()?.[name] as ((...a: unknown[]) => Promise<unknown>) | undefined;
      if (!stub) throw new Error(`no stub for activity ${name}`);
      return stub(...args);
    };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { code },
    activities: Object.fromEntries(names.map((name) => [name, call(name)])),
  });
  const running = worker.run();
  return {
    env,
    async close() {
      worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}
