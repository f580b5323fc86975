/**
 * Trigger-to-provider latency: from accepting the event to the no-op adapter's first call, A-B-B-A
 * against a raw workflow's start-to-first-activity; p50/p95/p99 of each repetition, their medians.
 */
import type { EngineEnv } from '../engine.js';
import { interleaved, latencySummary, rate, spread, type LatencySummary } from '../measure.js';
import type { RawWorker } from '../raw-worker.js';
import { spreadRow, type Row } from '../row.js';
import type { Sizes } from '../sizes.js';

export async function runLatency(env: EngineEnv, sizes: Sizes, raw: RawWorker): Promise<Row[]> {
  const { client, log, providerAt, runTag } = env;
  env.deliverWith('noop');
  const engineSide = async (rep: number) => {
    const prefix = `lat-${runTag}-${rep}`;
    const ids = await env.customers(prefix, sizes.latency);
    const samples: number[] = [];
    await rate(sizes.latency, 4, async (i) => {
      const userId = `${prefix}-${i}`;
      const t0 = performance.now();
      await env.runJourney(userId, ids[i] ?? '');
      samples.push((providerAt.get(`${userId}@bench.test`) ?? Number.NaN) - t0);
    });
    return latencySummary(samples);
  };
  const rawSide = async (rep: number) => {
    const samples: number[] = [];
    await rate(sizes.latency, 4, async (i) => {
      const key = `raw-lat-${runTag}-${rep}-${i}`;
      const t0 = performance.now();
      await client.workflow.execute('oneActivity', { taskQueue: raw.queue, workflowId: key, args: [key] });
      samples.push((raw.activityStarts.get(key) ?? Number.NaN) - t0);
    });
    return latencySummary(samples);
  };
  log(`trigger-to-provider × ${sizes.latency}, A-B-B-A × ${sizes.reps} against raw start-to-activity`);
  const { a, b } = await interleaved(sizes.reps, engineSide, rawSide);
  const row = (p: keyof Omit<LatencySummary, 'n'>, target?: string) =>
    spreadRow(
      `trigger-to-provider ${p}`,
      'ms',
      spread(a.map((s) => s[p])),
      { name: `raw start-to-activity ${p}`, value: spread(b.map((s) => s[p])) },
      target ? { text: target, met: (r) => r !== null && r <= 1.5 } : undefined,
    );
  return [row('p50'), row('p95'), row('p99', '≤ 1.5×')];
}
