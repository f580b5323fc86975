/**
 * The scale curve (`--waiting 1000,10000,100000`): runs waiting at once on a worker process of their
 * own (`omnijourney worker`, default settings), grown from one N to the next (the runs of the smaller N
 * stay), and at each N that worker's memory, the Temporal database's size, and a wake-up drain beside a
 * raw one (A-B-B-A): bursts of waiting runs woken by a signal, counted when each run ended.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineEnv } from '../engine.js';
import { followFirstTasks, settleIds } from '../first-tasks.js';
import { interleaved, rate, spread, type Spread } from '../measure.js';
import { round, spreadRow, type Row } from '../row.js';
import { concurrency, type Sizes } from '../sizes.js';

const cli = fileURLToPath(new URL('../../bin/omnijourney.js', import.meta.url));

/** One point of the curve. */
interface Point {
  waiting: number;
  startRate: number;
  workerRssMb: number;
  /** The highest RSS sampled (every 2 s) while the runs of this point started. */
  peakRssMb: number;
  temporalDbMb: number;
  burst: number;
  drain: Spread;
  rawDrain: Spread;
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
  const { client, log, runTag } = env;
  const startWaiting = await env.startWaiting(scaleQueue);
  /** Customers whose run is waiting (woken ones leave the list). */
  const waiting: string[] = [];
  const points: Point[] = [];
  let rawBurst = 0;
  for (const n of sizes.waiting) {
    const add = n - waiting.length;
    log(`engine: growing to ${n} waiting runs (${add} more, ${concurrency.lanes} in flight)`);
    const ids = await env.waitingCustomers(add);
    const follower = followFirstTasks(client);
    let peakRssMb = await residentMb(child);
    const sampler = setInterval(() => {
      void residentMb(child).then((mb) => (peakRssMb = Math.max(peakRssMb, mb || 0)));
    }, 2_000);
    const startRate = await rate(add, concurrency.lanes, async (i) => {
      const id = ids[i] ?? '';
      follower.add(await startWaiting(id));
      waiting.push(id);
    }).finally(() => clearInterval(sampler));
    await follower.settled(1_800_000, 'waiting runs completing their first workflow task');
    const workerRssMb = await residentMb(child);
    peakRssMb = Math.max(peakRssMb, workerRssMb);
    const temporalDbMb = temporalDatabaseMb(env);
    log(`→ ${n} waiting: ${round(startRate)} starts/s, worker RSS ${workerRssMb} MB (peak ${peakRssMb})`);

    // Bursts smaller than the worker's cache (1,000 runs): a larger one evicts runs between steps.
    const burst = Math.max(1, Math.min(sizes.burst, Math.floor(n / 10)));
    const drains = await interleaved(
      sizes.reps,
      async () => {
        const woken = waiting.splice(0, burst);
        return (
          burst /
          (await seconds(() => rate(burst, concurrency.lanes, (i) => env.wakeToEnd(woken[i] ?? '', i))))
        );
      },
      async () => {
        const raw = Array.from({ length: burst }, (_, i) => `raw-wait-${runTag}-${rawBurst}-${i}`);
        rawBurst++;
        await rate(burst, concurrency.clients, async (i) => {
          await client.workflow.start('waitForWake', { taskQueue: rawQueue, workflowId: raw[i] ?? '' });
        });
        await settleIds(client, raw, 'raw waiting runs completing their first workflow task');
        return (
          burst /
          (await seconds(() =>
            rate(burst, concurrency.lanes, async (i) => {
              const handle = client.workflow.getHandle(raw[i] ?? '');
              await handle.signal('wake');
              await handle.result();
            }),
          ))
        );
      },
    );
    const point = {
      waiting: n,
      startRate,
      workerRssMb,
      peakRssMb,
      temporalDbMb,
      burst,
      drain: spread(drains.a),
      rawDrain: spread(drains.b),
    };
    log(`→ drain ${round(point.drain.median)}/s, raw ${round(point.rawDrain.median)}/s (bursts of ${burst})`);
    points.push(point);
  }
  return scaleRows(points);
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
          `start of waiting runs up to ${p.waiting} (client, ${concurrency.lanes} in flight)`,
          'runs/s',
          spread([p.startRate]),
          undefined,
          undefined,
        ),
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
      spreadRow(
        `wake-up drain, bursts of ${p.burst} with ${p.waiting} waiting`,
        'runs/s',
        p.drain,
        { name: 'raw signal to a waiting workflow', value: p.rawDrain },
        { text: '≥ 0.8×', met: (r) => r !== null && r >= 0.8 },
      ),
    ];
  });
}
