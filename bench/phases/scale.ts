/**
 * The scale curve (`--waiting 1000,10000,100000`): runs waiting at once on a worker process of their
 * own (`omnijourney worker`, default settings), grown from one N to the next (the runs of the smaller N
 * stay), and at each N that worker's memory, the Temporal database's size, and a wake-up drain beside a
 * raw one (A-B-B-A): bursts of waiting runs woken by a signal, counted when each run ended.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import proto from '@temporalio/proto';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineEnv } from '../engine.js';
import { cpuTally } from '../cpu.js';
import { followFirstTasks, settleBacklog, settleIds } from '../first-tasks.js';
import { interleaved, rate, spread, waitUntil, type Spread } from '../measure.js';
import { round, spreadRow, type Row } from '../row.js';
import { concurrency, type Sizes } from '../sizes.js';

const cli = fileURLToPath(new URL('../../bin/omnijourney.js', import.meta.url));

/** Runs described one by one per point, at most; the last ones started always are. */
const followedAtMost = 5_000;
const followedLast = 500;

/** One point of the curve. */
interface Point {
  waiting: number;
  startRate: number;
  workerRssMb: number;
  /** The highest RSS sampled (every 2 s) while the runs of this point started. */
  peakRssMb: number;
  temporalDbMb: number;
  burst: number;
  /** CPU ms per item by process: the starts (with their describes), the drains (engine, raw). */
  startCpu: string;
  drain: Spread;
  rawDrain: Spread;
  drainCpu: string;
  rawDrainCpu: string;
}

/** The scale phase's worker process, spawned at the bench's start so its start-up overlaps the others. */
export function startScaleWorker(env: EngineEnv) {
  const queue = `bench-scale-${env.runTag}`;
  return { queue, child: spawnWorker(env, queue) };
}

export async function runScale(
  env: EngineEnv,
  sizes: Sizes,
  rawQueue: string,
  { queue: scaleQueue, child }: ReturnType<typeof startScaleWorker>,
): Promise<Row[]> {
  const { client, log } = env;
  const startWaiting = await env.startWaiting(scaleQueue);
  // Its start-up is not part of the first point: wait until it polls the queue.
  await waitUntil(
    async () => {
      const { pollers } = await client.workflowService.describeTaskQueue({
        namespace: env.temporal.target.namespace,
        taskQueue: { name: scaleQueue },
        taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      return (pollers?.length ?? 0) > 0;
    },
    120_000,
    'the scale worker polling its task queue',
  );
  /** Customers whose run is waiting (woken ones leave the list). */
  const waiting: string[] = [];
  const points: Point[] = [];
  for (const n of sizes.waiting) {
    const add = n - waiting.length;
    log(`engine: growing to ${n} waiting runs (${add} more, ${concurrency.lanes} in flight)`);
    const ids = await env.waitingCustomers(add);
    const follower = followFirstTasks(client);
    let peakRssMb = await residentMb(child);
    const sampler = setInterval(() => {
      void residentMb(child).then((mb) => (peakRssMb = Math.max(peakRssMb, mb || 0)));
    }, 2_000);
    const startCpu = cpuTally();
    // Counted when the runs started have completed their first workflow task: each one described,
    // beside the starts, up to `followedAtMost`; beyond, a sample of them and the last ones started,
    // then the queue's backlog empty (describing 100,000 runs cost the server as much as starting them).
    const stride = Math.max(1, Math.ceil(add / followedAtMost));
    const startSeconds = await startCpu.measure(add, () =>
      seconds(async () => {
        await rate(add, concurrency.lanes, async (i) => {
          const id = ids[i] ?? '';
          const workflowId = await startWaiting(id);
          if (i % stride === 0 || i >= add - followedLast) follower.add(workflowId);
          waiting.push(id);
        }).finally(() => clearInterval(sampler));
        await follower.settled(1_800_000, 'waiting runs completing their first workflow task');
        await settleBacklog(client, scaleQueue, 'the scale worker taking every first workflow task');
      }),
    );
    const startRate = add / startSeconds;
    const workerRssMb = await residentMb(child);
    peakRssMb = Math.max(peakRssMb, workerRssMb);
    const temporalDbMb = temporalDatabaseMb(env);
    log(`→ ${n} waiting: ${round(startRate)} starts/s, worker RSS ${workerRssMb} MB (peak ${peakRssMb})`);

    // Bursts smaller than the worker's cache (1,000 runs): a larger one evicts runs between steps.
    const burst = Math.max(1, Math.min(sizes.burst, Math.floor(n / 10)));
    const drains = await drainBursts(env, sizes.reps, burst, { waiting, rawQueue, tag: `${n}` });
    const point = {
      waiting: n,
      startRate,
      workerRssMb,
      peakRssMb,
      temporalDbMb,
      burst,
      startCpu: startCpu.perItem(),
      ...drains,
    };
    log(`→ drain ${round(point.drain.median)}/s, raw ${round(point.rawDrain.median)}/s (bursts of ${burst})`);
    points.push(point);
  }
  return scaleRows(points);
}

/**
 * Wake-up drains A-B-B-A: a burst of the engine's waiting runs woken and awaited to their end, against
 * as many raw waiting workflows (started and settled first, unmeasured) signalled and awaited alike.
 */
async function drainBursts(
  env: EngineEnv,
  reps: number,
  burst: number,
  { waiting, rawQueue, tag }: { waiting: string[]; rawQueue: string; tag: string },
) {
  const { client, runTag } = env;
  const engineCpu = cpuTally();
  const rawCpu = cpuTally();
  const drains = await interleaved(
    reps,
    async () => {
      const woken = waiting.splice(0, burst);
      const took = await engineCpu.measure(burst, () =>
        seconds(() => rate(burst, concurrency.lanes, (i) => env.wakeToEnd(woken[i] ?? '', i))),
      );
      return burst / took;
    },
    async (rep) => {
      const raw = Array.from({ length: burst }, (_, i) => `raw-wait-${runTag}-${tag}-${rep}-${i}`);
      await rate(burst, concurrency.clients, async (i) => {
        await client.workflow.start('waitForWake', { taskQueue: rawQueue, workflowId: raw[i] ?? '' });
      });
      await settleIds(client, raw, 'raw waiting runs completing their first workflow task');
      const took = await rawCpu.measure(burst, () =>
        seconds(() =>
          rate(burst, concurrency.lanes, async (i) => {
            const handle = client.workflow.getHandle(raw[i] ?? '');
            await handle.signal('wake');
            await handle.result();
          }),
        ),
      );
      return burst / took;
    },
  );
  return {
    drain: spread(drains.a),
    rawDrain: spread(drains.b),
    drainCpu: engineCpu.perItem(),
    rawDrainCpu: rawCpu.perItem(),
  };
}

async function seconds(task: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await task();
  return (performance.now() - started) / 1000;
}

/** `omnijourney worker` on the scale task queue, with the shared bundle; stopped with the stack. */
function spawnWorker(env: EngineEnv, taskQueue: string): ChildProcess {
  const { target } = env.temporal;
  const child = spawn(process.execPath, [cli, 'worker'], {
    env: {
      ...process.env,
      DATABASE_URL: env.database.url,
      TEMPORAL_ADDRESS: target.address,
      TEMPORAL_NAMESPACE: target.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      WORKER_WORKFLOW_BUNDLE: env.bundleFile,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  env.stack.defer('scale worker', async () => {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
  });
  return child;
}

/** The process's resident memory (Linux /proc); NaN where there is none. */
async function residentMb(child: ChildProcess): Promise<number> {
  const kb = (await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '')).match(
    /VmRSS:\s+(\d+)/,
  )?.[1];
  return kb ? Math.round(Number(kb) / 1024) : Number.NaN;
}

/** The dev server's SQLite file with its write-ahead log; NaN for a server at TEMPORAL_ADDRESS. */
function temporalDatabaseMb(env: EngineEnv): number {
  if (env.temporal.target.external) return Number.NaN;
  const sqliteFile = path.join(env.dataDir, 'temporal.sqlite');
  const bytes = [sqliteFile, `${sqliteFile}-wal`]
    .filter(existsSync)
    .reduce((sum, f) => sum + statSync(f).size, 0);
  return Math.round((bytes / 1_048_576) * 10) / 10;
}

function scaleRows(points: Point[]): Row[] {
  const at10k = points.find((p) => p.waiting === 10_000)?.workerRssMb;
  return points.flatMap((p) => {
    const rssTarget =
      p.waiting === 100_000
        ? {
            text: `≤ 1200 MB and ≤ 1.3× at 10,000${at10k ? ` (${Math.round(1.3 * at10k)} MB)` : ''}`,
            met: (_r: number | null, mb: number) => mb <= 1200 && (at10k === undefined || mb <= 1.3 * at10k),
          }
        : undefined;
    return [
      {
        ...spreadRow(
          `start of waiting runs up to ${p.waiting} (client, ${concurrency.lanes} in flight; counted at first task)`,
          'runs/s',
          spread([p.startRate]),
          undefined,
          undefined,
        ),
        cpu: p.startCpu,
      },
      {
        ...spreadRow(
          `worker RSS with ${p.waiting} waiting (own process)`,
          'MB',
          spread([p.workerRssMb]),
          undefined,
          rssTarget,
        ),
        baseline: `peak while starting: ${p.peakRssMb} MB`,
      },
      spreadRow(
        `Temporal DB size with ${p.waiting} waiting`,
        'MB',
        spread([p.temporalDbMb]),
        undefined,
        undefined,
      ),
      {
        ...spreadRow(
          `wake-up drain, bursts of ${p.burst} with ${p.waiting} waiting`,
          'runs/s',
          p.drain,
          { name: 'raw signal to a waiting workflow', value: p.rawDrain },
          { text: '≥ 0.8×', met: (r) => r !== null && r >= 0.8 },
        ),
        cpu: p.drainCpu,
        baselineCpu: p.rawDrainCpu,
      },
    ];
  });
}
