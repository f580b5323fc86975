/**
 * Audiences (issue 20's rows): a broadcast to a segment's members through the engine's worker, with
 * the no-op adapter and with the local SMTP server, counted when the broadcast's workflow completed
 * (every member decided, every message's ledger row settled); and ingest of SDK batches with ten
 * event-driven segments counting the events, A-B-B-A against the same batches of an event no
 * segment counts.
 */
import type { EngineEnv } from '../engine.js';
import { segmentedEvent, unsegmentedEvent } from '../audiences-env.js';
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

/**
 * Whose events the ingest comparison sends. `steady`: customers already in their segments (10 of
 * the event each, stored before the measured rounds), each event a re-evaluation that changes no
 * answer, as most events of a shop's customers; `entering`: new customers whose every event enters
 * a segment (5 each, thresholds 1 to 10), the worst case: each event also stores a `Segment Entered`
 * event and a membership row.
 */
type SegmentLoad = 'steady' | 'entering';

const segmentRows: Record<SegmentLoad, string> = {
  steady:
    'ingest of SDK batches (20 per request) of customers in their segments, whose events 10 segments count',
  entering: 'ingest of SDK batches (20 per request) whose every event enters one of 10 segments',
};

async function segmentIngestRow(
  env: EngineEnv,
  sizes: Sizes,
  load: LoadGenerator,
  kind: SegmentLoad,
): Promise<Row> {
  const { apiUrl, authorization, log, runTag } = env;
  const order = { url: apiUrl, authorization, concurrency: concurrency.clients, kind: 'batch' as const };
  const perUser = 5;
  const users = Math.ceil(sizes.batchEvents / perUser);
  const prefixOf = (event: string, rep: number) =>
    `seg-${runTag}-${kind}-${event.replace(/\W/g, '')}${kind === 'steady' ? '' : `-${rep}`}`;
  if (kind === 'steady')
    for (const event of [segmentedEvent, unsegmentedEvent]) {
      const prefix = prefixOf(event, 0);
      const { stored } = await load({
        ...order,
        event,
        prefix,
        round: `${prefix}-warm`,
        eventsPerUser: 10,
        count: users * 10,
        batchSize: 20,
      });
      if (stored !== users * 10) throw new Error(`bench: warm-up stored ${stored} of ${users * 10}`);
    }
  const side = (event: string, tally: ReturnType<typeof cpuTally>) => async (rep: number) => {
    const prefix = prefixOf(event, rep);
    const { stored, seconds } = await tally.measure(sizes.batchEvents, () =>
      load({
        ...order,
        event,
        prefix,
        round: `${prefix}-r${rep}`,
        eventsPerUser: perUser,
        count: sizes.batchEvents,
        batchSize: 20,
      }),
    );
    if (stored !== sizes.batchEvents)
      throw new Error(`bench: /v1/batch stored ${stored} of ${sizes.batchEvents}`);
    return stored / seconds;
  };
  log(
    `ingest (${kind}) with 10 event-driven segments × ${sizes.batchEvents}, A-B-B-A × ${sizes.reps} against none`,
  );
  const withCpu = cpuTally();
  const withoutCpu = cpuTally();
  const measured = await interleaved(
    sizes.reps,
    side(segmentedEvent, withCpu),
    side(unsegmentedEvent, withoutCpu),
  );
  const a = spread(measured.a);
  const b = spread(measured.b);
  log(`→ with segments ${round(a.median)}/s, without ${round(b.median)}/s`);
  return {
    ...spreadRow(
      segmentRows[kind],
      'events/s',
      a,
      { name: 'the same batches of an event no segment counts', value: b },
      // The target is the steady state's; the worst case is reported beside it.
      kind === 'steady' ? { text: '≥ 0.8×', met: (r) => r !== null && r >= 0.8 } : undefined,
    ),
    cpu: withCpu.perItem(),
    baselineCpu: withoutCpu.perItem(),
  };
}

export async function runAudiences(env: EngineEnv, sizes: Sizes, load: LoadGenerator): Promise<Row[]> {
  const rows = [
    ...(await broadcastRow(env, 'noop', sizes.audience)),
    ...(await broadcastRow(env, 'smtp', sizes.smtpAudience)),
  ];
  await env.deployEventSegments();
  rows.push(await segmentIngestRow(env, sizes, load, 'steady'));
  rows.push(await segmentIngestRow(env, sizes, load, 'entering'));
  return rows;
}
