/**
 * Raw Temporal on the same server: the ceiling Temporal itself sets, against which the engine's
 * figures are read. A worker of its own runs the workflows of bench/raw-workflows.ts.
 */
import type { BenchEnv } from '../environment.js';
import { latencySummary, rate } from '../measure.js';
import { cpuMeter } from '../cpu.js';
import { finishedStarts } from '../finished-starts.js';
import type { RawWorker } from '../raw-worker.js';
import { runRawVariants } from './raw-variants.js';
import { round, type Baselines } from '../row.js';
import { concurrency, type Sizes } from '../sizes.js';

export async function runBaselines(env: BenchEnv, sizes: Sizes, raw: RawWorker): Promise<Baselines> {
  const { client, log, runTag } = env;
  const { queue: rawQueue, activityStarts } = raw;

  // Every phase, baselines and engine alike, runs a short unmeasured warm-up first (JIT, connections,
  // worker caches, and each pooled PostgreSQL connection describing its statements once).
  const signalWithStarts = (count: number, tag: string) =>
    rate(count, concurrency.clients, async (i) => {
      await client.workflow.signalWithStart('emptyWorkflow', {
        taskQueue: rawQueue,
        workflowId: `raw-sws-${runTag}-${tag}-${i}`,
        signal: 'poke',
        signalArgs: [],
      });
    });
  await signalWithStarts(sizes.warmUp, 'warm-up');
  log(`baseline: signal-with-start × ${sizes.sws}`);
  const swsStarted = Date.now();
  const swsCpu = cpuMeter();
  const swsAcceptedRate = await signalWithStarts(sizes.sws, 'measured');
  const sws = await finishedStarts(env, `raw-sws-${runTag}-measured-`, sizes.sws, swsStarted);
  const cpu = { sws: swsCpu.perItem(sizes.sws), raw: '' };
  log(
    `→ swsRate: ${round(sws.rate)}/s finished (${round(swsAcceptedRate)}/s accepted); CPU ms/start ${cpu.sws}`,
  );

  log(`baseline: 3-activity workflows × ${sizes.raw}`);
  const threeActivityWorkflows = (count: number, tag: string) =>
    rate(count, concurrency.lanes, async (i) => {
      await client.workflow.execute('threeActivities', {
        taskQueue: rawQueue,
        workflowId: `raw-3-${runTag}-${tag}-${i}`,
      });
    });
  await threeActivityWorkflows(sizes.warmUp, 'warm-up');
  const rawCpu = cpuMeter();
  const rawRate = await threeActivityWorkflows(sizes.raw, 'measured');
  cpu.raw = rawCpu.perItem(sizes.raw);
  log(`→ rawRate: ${round(rawRate)}/s; CPU ms/workflow ${cpu.raw}`);

  const variants = await runRawVariants(env, rawQueue, sizes);

  log(`baseline: start-to-first-activity × ${sizes.latency}`);
  const rawLatency: number[] = [];
  await rate(sizes.latency, 4, async (i) => {
    const key = `raw-lat-${runTag}-${i}`;
    const t0 = performance.now();
    await client.workflow.execute('oneActivity', { taskQueue: rawQueue, workflowId: key, args: [key] });
    rawLatency.push((activityStarts.get(key) ?? Number.NaN) - t0);
  });
  return {
    swsRate: sws.rate,
    swsAcceptedRate,
    swsFinished: sws.finished,
    rawRate,
    cpu,
    variants,
    rawLatency: latencySummary(rawLatency),
  };
}
