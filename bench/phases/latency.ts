/** Trigger-to-provider latency: from accepting the event to the no-op adapter's first call. */
import type { EngineEnv } from '../engine.js';
import { latencySummary, rate, type LatencySummary } from '../measure.js';
import { ratio, type Baselines, type Row } from '../row.js';
import type { Sizes } from '../sizes.js';

export async function runLatency(env: EngineEnv, sizes: Sizes, baselines: Baselines): Promise<Row[]> {
  const { log, providerAt, runTag } = env;
  env.deliverWith('noop');
  const latencyIds = await env.customers(`lat-${runTag}`, sizes.latency);
  log(`engine: trigger-to-provider × ${sizes.latency}`);
  const samples: number[] = [];
  await rate(sizes.latency, 4, async (i) => {
    const userId = `lat-${runTag}-${i}`;
    const t0 = performance.now();
    await env.runJourney(userId, latencyIds[i] ?? '');
    samples.push((providerAt.get(`${userId}@bench.test`) ?? Number.NaN) - t0);
  });

  return latencyRows(latencySummary(samples), baselines.rawLatency);
}

function latencyRows(engP: LatencySummary, rawP: LatencySummary): Row[] {
  return [
    {
      figure: 'trigger-to-provider p50',
      value: engP.p50,
      unit: 'ms',
      baseline: 'raw start-to-activity p50',
      baselineValue: rawP.p50,
      ratio: ratio(engP.p50, rawP.p50),
      target: '',
      met: null,
    },
    {
      figure: 'trigger-to-provider p95',
      value: engP.p95,
      unit: 'ms',
      baseline: 'raw start-to-activity p95',
      baselineValue: rawP.p95,
      ratio: ratio(engP.p95, rawP.p95),
      target: '',
      met: null,
    },
    {
      figure: 'trigger-to-provider p99',
      value: engP.p99,
      unit: 'ms',
      baseline: 'raw start-to-activity p99',
      baselineValue: rawP.p99,
      ratio: ratio(engP.p99, rawP.p99),
      target: '≤ 2×',
      met: engP.p99 <= 2 * rawP.p99,
    },
  ];
}
