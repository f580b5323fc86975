/**
 * Audiences (issue 20's rows): a broadcast to a segment's members through the engine's worker, with
 * the no-op adapter and with the local SMTP server, counted when the broadcast's workflow completed
 * (every member decided, every message's ledger row settled); and ingest of SDK batches with ten
 * event-driven segments counting the events, A-B-B-A against the same batches of an event no
 * segment counts.
 */
import type { EngineEnv } from '../engine.js';
import { segmentedEvent } from '../audiences-env.js';
import { cpuTally } from '../cpu.js';
import type { LoadGenerator } from '../load-client.js';
import { interleaved, spread } from '../measure.js';
import { round, spreadRow, type Row } from '../row.js';
import { concurrency, type Sizes } from '../sizes.js';

async function broadcastRow(env: EngineEnv, adapter: 'noop' | 'smtp', audience: number): Promise<Row[]> {
  const segmentId = `bench-audience-${adapter}-${env.runTag}`;
  env.log(
    `broadcast to ${audience} customers (${adapter === 'noop' ? 'no-op adapter' : 'local SMTP server'})`,
  );
  await env.seedAudience(segmentId, audience);
  env.deliverWith(adapter);
  const rssMb = () => Math.round(process.memoryUsage().rss / 2 ** 20);
  let peakRssMb = rssMb();
  const sampler = setInterval(() => {
    peakRssMb = Math.max(peakRssMb, rssMb());
  }, 1_000);
  const cpu = cpuTally();
  const started = performance.now();
  const processed = await cpu
    .measure(audience, () => env.broadcastToEnd(segmentId))
    .finally(() => clearInterval(sampler));
  const seconds = (performance.now() - started) / 1000;
  peakRssMb = Math.max(peakRssMb, rssMb());
  const sent = await env.sentTo(segmentId);
  env.deliverWith('noop');
  if (processed !== audience || sent !== audience)
    throw new Error(`bench: broadcast to ${audience}: ${processed} processed, ${sent} sent`);
  const rate = sent / seconds;
  env.log(`→ ${round(rate)} messages/s, engine process peak RSS ${peakRssMb} MB`);
  const label = adapter === 'noop' ? 'no-op adapter' : 'local SMTP server';
  return [
    {
      figure: `broadcast to ${audience} customers, ${label} (counted when its workflow completed)`,
      value: round(rate),
      unit: 'messages/s',
      baseline: '',
      baselineValue: null,
      ratio: null,
      target: adapter === 'noop' ? '≥ 1000/s' : '',
      met: adapter === 'noop' ? rate >= 1000 : null,
      cpu: cpu.perItem(),
    },
    {
      figure: `engine process RSS during the broadcast to ${audience} (${label}; the worker runs in it)`,
      value: peakRssMb,
      unit: 'MB',
      baseline: '',
      baselineValue: null,
      ratio: null,
      target: '',
      met: null,
    },
  ];
}

async function segmentIngestRow(env: EngineEnv, sizes: Sizes, load: LoadGenerator): Promise<Row> {
  const { apiUrl, authorization, log, runTag } = env;
  await env.deployEventSegments();
  const order = { url: apiUrl, authorization, concurrency: concurrency.clients };
  const side = (event: string, tally: ReturnType<typeof cpuTally>) => async (rep: number) => {
    const { stored, seconds } = await tally.measure(sizes.batchEvents, () =>
      load({
        ...order,
        kind: 'batch',
        event,
        prefix: `seg-${runTag}-${event.replace(/\W/g, '')}-${rep}`,
        eventsPerUser: 5,
        count: sizes.batchEvents,
        batchSize: 20,
      }),
    );
    if (stored !== sizes.batchEvents)
      throw new Error(`bench: /v1/batch stored ${stored} of ${sizes.batchEvents}`);
    return stored / seconds;
  };
  log(`ingest with 10 event-driven segments × ${sizes.batchEvents}, A-B-B-A × ${sizes.reps} against none`);
  const withCpu = cpuTally();
  const withoutCpu = cpuTally();
  const measured = await interleaved(
    sizes.reps,
    side(segmentedEvent, withCpu),
    side('Bench Unsegmented', withoutCpu),
  );
  const a = spread(measured.a);
  const b = spread(measured.b);
  log(`→ with segments ${round(a.median)}/s, without ${round(b.median)}/s`);
  return {
    ...spreadRow(
      'ingest of SDK batches (20 per request) whose events 10 segments count',
      'events/s',
      a,
      { name: 'the same batches of an event no segment counts', value: b },
      { text: '≥ 0.8×', met: (r) => r !== null && r >= 0.8 },
    ),
    cpu: withCpu.perItem(),
    baselineCpu: withoutCpu.perItem(),
  };
}

export async function runAudiences(env: EngineEnv, sizes: Sizes, load: LoadGenerator): Promise<Row[]> {
  return [
    ...(await broadcastRow(env, 'noop', sizes.audience)),
    ...(await broadcastRow(env, 'smtp', sizes.smtpAudience)),
    await segmentIngestRow(env, sizes, load),
  ];
}
