import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll } from 'vitest';
import type { Activities as AllActivities } from '../../activities/index.js';
import type { BroadcastActivities } from '../../activities/broadcast-activities.js';
import type { ProfileSnapshot } from '../../customers/profile-snapshot.js';
import type { JourneyDefinition } from '../../domain/journey-definition.js';
import { triggerEventName, type RunEvent, type SendOutcome } from '../../domain/journey-runtime.js';
import { buildWorkflowBundle, workflowsPath } from '../../worker/create-worker.js';
import {
  cancelRunSignal,
  customerEventSignal,
  runStateQuery,
  type JourneyRunResult,
  type JourneyRunState,
} from '../../workflows/journey-run/signals.js';
import type { journeyRun } from '../../workflows/journey-run/workflow.js';
import { event } from './steps.js';
import { createTimeSkippingEnvironment, uniqueTaskQueue } from './temporal.js';

/**
 * The journey workflow on a time-skipping server with its activities replaced by stubs that
 * record their calls (the style of Temporal's `sleep-for-days` sample): seconds per file, no
 * database. The stubs are typed from the real activities, so a contract change breaks these tests
 * at compile time.
 */

/** The journey's activities (the broadcast workflow's are not stubbed here). */
type Activities = Omit<AllActivities, keyof BroadcastActivities>;
type ActivityName = keyof Activities;
export interface StubCall<K extends ActivityName> {
  input: Parameters<Activities[K]>[0];
  /** Server time the call was scheduled (ms). Local activities (run bookkeeping) see the wall clock. */
  at: number;
}
export type StubCalls = { [K in ActivityName]: StubCall<K>[] };

export interface StubBehaviour {
  /** What `loadProfile` returns (default: no profile). */
  profile?: ProfileSnapshot | null;
  /** What `deliver` returns or throws on its nth call (default: sent on the first channel). */
  deliver?: (request: Parameters<Activities['deliver']>[0], n: number) => SendOutcome;
}

export function stubActivities(
  behaviour: StubBehaviour = {},
  serverNow: () => Promise<number> = async () => Date.now(),
): { activities: Activities; calls: StubCalls } {
  const calls: StubCalls = {
    recordJourneyRun: [],
    loadProfile: [],
    updateProfileTraits: [],
    deliver: [],
    scheduledEntryPlan: [],
    enterScheduledOccurrence: [],
    reevaluateDueSegments: [],
  };
  // A local activity's schedule time is the worker's clock, not the (time-skipping) server's.
  const at = () => {
    const { info } = Context.current();
    return info.isLocal ? serverNow() : Promise.resolve(info.scheduledTimestampMs);
  };
  const activities: Activities = {
    async recordJourneyRun(record) {
      calls.recordJourneyRun.push({ input: record, at: await at() });
    },
    async loadProfile(customerId) {
      calls.loadProfile.push({ input: customerId, at: await at() });
      return behaviour.profile ?? null;
    },
    async updateProfileTraits(input) {
      calls.updateProfileTraits.push({ input, at: await at() });
    },
    // The segment clock is no journey's business: recorded, nothing due.
    async reevaluateDueSegments(input) {
      calls.reevaluateDueSegments.push({ input, at: await at() });
      return { customers: 0, changes: 0, more: false };
    },
    async deliver(request) {
      calls.deliver.push({ input: request, at: await at() });
      return (
        behaviour.deliver?.(request, calls.deliver.length) ?? { status: 'sent', channel: request.channels[0] }
      );
    },
    // The scheduled-entry workflow's: a journey run never calls them.
    scheduledEntryPlan: () => Promise.reject(new Error('not a journey-run activity')),
    enterScheduledOccurrence: () => Promise.reject(new Error('not a journey-run activity')),
  };
  return { activities, calls };
}

export interface StartOptions extends StubBehaviour {
  customerId?: string;
  /** Default: the journey's trigger event, with no properties, at the server's time. */
  trigger?: RunEvent;
  backlog?: RunEvent[];
}

export interface StubRun {
  handle: WorkflowHandle<typeof journeyRun>;
  calls: StubCalls;
  /** Server time the run started (ms). */
  startedAt: number;
  signal(event: RunEvent): Promise<void>;
  cancel(reason?: string): Promise<void>;
  state(): Promise<JourneyRunState>;
  /** Polls the `runState` query until it satisfies `test` (the run gets there on its own worker). */
  stateWhere(test: (state: JourneyRunState) => boolean): Promise<JourneyRunState>;
  /** Lets time skip until the run ends. */
  result(): Promise<JourneyRunResult>;
}

export interface JourneyRuns {
  readonly env: TestWorkflowEnvironment;
  /** Server time now. */
  now(): Promise<Date>;
  start(definition: JourneyDefinition, options?: StartOptions): Promise<StubRun>;
}

/** Registers hooks for a test file: one time-skipping server and one worker serve all its runs. */
export function useJourneyRuns(): JourneyRuns {
  let env: TestWorkflowEnvironment | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const taskQueue = uniqueTaskQueue('journey-run');
  const stubsOf = new Map<string, Activities>();
  beforeAll(async () => {
    const [created, code] = await Promise.all([createTimeSkippingEnvironment(), workflowBundle()]);
    env = created;
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: { code },
      activities: routedTo(stubsOf),
    });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });
  const environment = () => {
    if (!env) throw new Error('useJourneyRuns: the server starts in beforeAll');
    return env;
  };
  return {
    get env() {
      return environment();
    },
    now: async () => new Date(await environment().currentTimeMs()),
    async start(definition, options = {}) {
      const workflowId = `journey/${definition.id}/${randomUUID()}`;
      const { activities, calls } = stubActivities(options, () => environment().currentTimeMs());
      stubsOf.set(workflowId, activities);
      const handle = await startRun(environment(), { taskQueue, workflowId, definition, options });
      return runOf(handle, calls, (await handle.describe()).startTime.getTime());
    },
  };
}

/** One worker serves a file's runs: each run's activity calls go to that run's own stubs. */
function routedTo(stubsOf: ReadonlyMap<string, Activities>): Activities {
  const stubs = () => {
    const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
    const own = stubsOf.get(workflowId);
    if (!own) throw new Error(`no stubs for workflow ${workflowId}`);
    return own;
  };
  return {
    recordJourneyRun: (record) => stubs().recordJourneyRun(record),
    loadProfile: (customerId) => stubs().loadProfile(customerId),
    updateProfileTraits: (input) => stubs().updateProfileTraits(input),
    deliver: (request) => stubs().deliver(request),
    scheduledEntryPlan: (input) => stubs().scheduledEntryPlan(input),
    enterScheduledOccurrence: (input) => stubs().enterScheduledOccurrence(input),
    reevaluateDueSegments: (input) => stubs().reevaluateDueSegments(input),
  };
}

/** Starts a run as the router does: the trigger is also the run's first signal (which it ignores). */
async function startRun(
  env: TestWorkflowEnvironment,
  run: { taskQueue: string; workflowId: string; definition: JourneyDefinition; options: StartOptions },
): Promise<WorkflowHandle<typeof journeyRun>> {
  const { definition, options } = run;
  const trigger =
    options.trigger ??
    event(triggerEventName(definition) ?? 'Scheduled Entry', {}, new Date(await env.currentTimeMs()));
  return env.client.workflow.signalWithStart<typeof journeyRun, [RunEvent]>('journeyRun', {
    taskQueue: run.taskQueue,
    workflowId: run.workflowId,
    args: [
      {
        journey: definition,
        version: 'v1',
        customerId: options.customerId ?? 'customer-1',
        entryKey: 'default',
        trigger,
        backlog: options.backlog,
      },
    ],
    signal: customerEventSignal,
    signalArgs: [trigger],
  });
}

function runOf(handle: WorkflowHandle<typeof journeyRun>, calls: StubCalls, startedAt: number): StubRun {
  const state = () => handle.query(runStateQuery);
  return {
    handle,
    calls,
    startedAt,
    signal: (received) => handle.signal(customerEventSignal, received),
    cancel: (reason) => handle.signal(cancelRunSignal, reason),
    state,
    async stateWhere(test) {
      for (let tries = 0; ; tries++) {
        const current = await state();
        if (test(current) || tries >= 200) return current;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    result: () => handle.result(),
  };
}

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The engine's workflow bundle, built once per source state and shared by the test files of a
 * run through a temp file: webpack takes seconds, a file read milliseconds. The key covers what
 * workflow code may import (workflows/, domain/, the bundler settings and the installed packages).
 */
async function workflowBundle(): Promise<string> {
  const hash = createHash('sha256').update(workflowsPath);
  const sources = (await Promise.all(['workflows', 'domain'].map((dir) => sourceFiles(dir)))).flat();
  for (const file of [...sources.sort(), 'worker/create-worker.ts', 'package-lock.json'])
    hash.update(file).update(await readFile(path.join(root, file)));
  const cached = path.join(tmpdir(), `omnijourney-workflows-${hash.digest('hex').slice(0, 20)}.js`);
  try {
    return await readFile(cached, 'utf8');
  } catch {
    const code = await buildWorkflowBundle();
    // Write then rename: a parallel test file never reads half a bundle.
    const partial = `${cached}.${process.pid}.tmp`;
    await writeFile(partial, code);
    await rename(partial, cached);
    return code;
  }
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(root, dir), { recursive: true });
  return entries
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => path.join(dir, file));
}
