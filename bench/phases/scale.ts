/**
 * Scale: N runs waiting at once on a worker process of their own (`omnijourney worker`, default
 * settings), that worker's memory and the Temporal database's size, then a wake-up burst.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SegmentMessage } from '../../domain/segment-message.js';
import type { EngineEnv } from '../engine.js';
import { settleFirstTasks } from '../first-tasks.js';
import { rate, waitUntil } from '../measure.js';
import { ratio, round, type Baselines, type Row } from '../row.js';
import { concurrency, type Sizes } from '../sizes.js';

const cli = fileURLToPath(new URL('../../bin/omnijourney.js', import.meta.url));

export async function runScale(env: EngineEnv, sizes: Sizes, baselines: Baselines): Promise<Row[]> {
  const { client, log, runTag } = env;
  const scaleQueue = `bench-scale-${runTag}`;
  const child = spawnWorker(env, scaleQueue);
  const startRun = env.routeTo(scaleQueue);
  log(`engine: starting ${sizes.waiting} waiting journeys`);
  const waitIds: string[] = [];
  const startRate = await rate(sizes.waiting, concurrency.clients, async (i) => {
    const id = await startRun({
      type: 'track',
      userId: `wait-${runTag}-${i}`,
      event: 'Bench Wait',
      messageId: `wait-${runTag}-${i}`,
    } as SegmentMessage);
    if (id) waitIds[i] = id;
  });
  log(`→ startRate: ${round(startRate)}/s`);
  // Every run has taken its first workflow task (describe says so; its start-time JourneyStep
  // search attribute already says 'wait-for-wake' when the start is accepted).
  await settleFirstTasks(
    client,
    `JourneyId='bench-wait'`,
    sizes.waiting,
    'waiting runs completing their first workflow task',
  );
  const workerRssMb = await residentMb(child);
  const temporalDbMb = temporalDatabaseMb(env);

  log(`engine: waking ${sizes.burst} of the ${sizes.waiting} waiting runs at once`);
  const wakeStarted = performance.now();
  await rate(sizes.burst, concurrency.lanes, async (i) => {
    const id = waitIds[i];
    if (!id) return;
    await env.wake(id, i);
  });
  await waitUntil(
    async () => (await env.runningWaits()) <= sizes.waiting - sizes.burst,
    900_000,
    'wake-up burst',
  );
  const drainRate = sizes.burst / ((performance.now() - wakeStarted) / 1000);
  return scaleRows(sizes, baselines, { startRate, workerRssMb, temporalDbMb, drainRate });
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

function scaleRows(
  sizes: Sizes,
  { swsRate, rawRate }: Baselines,
  measured: { startRate: number; workerRssMb: number; temporalDbMb: number; drainRate: number },
): Row[] {
  const { startRate, workerRssMb, temporalDbMb, drainRate } = measured;
  return [
    {
      figure: `start of ${sizes.waiting} waiting journeys`,
      value: round(startRate),
      unit: 'journeys/s',
      baseline: 'raw signal-with-start',
      baselineValue: round(swsRate),
      ratio: ratio(startRate, swsRate),
      target: '',
      met: null,
    },
    {
      figure: `worker RSS with ${sizes.waiting} waiting`,
      value: workerRssMb,
      unit: 'MB',
      baseline: '',
      baselineValue: null,
      ratio: null,
      target: '< 1536 MB at 100,000',
      met: sizes.waiting >= 100_000 ? workerRssMb < 1536 : null,
    },
    {
      figure: `Temporal DB size with ${sizes.waiting} waiting`,
      value: temporalDbMb,
      unit: 'MB',
      baseline: '',
      baselineValue: null,
      ratio: null,
      target: '',
      met: null,
    },
    {
      figure: `wake-up burst drain (${sizes.burst} of ${sizes.waiting} waiting)`,
      value: round(drainRate),
      unit: 'runs/s',
      baseline: 'raw 3-activity workflow',
      baselineValue: round(rawRate),
      ratio: ratio(drainRate, rawRate),
      target: '',
      met: null,
    },
  ];
}
