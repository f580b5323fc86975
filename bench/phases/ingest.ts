/**
 * Ingest through the HTTP API, the requests sent by the load generator's own process:
 * (a) journey triggers, one event per request, each a new customer whose event starts a run, counted
 *     when the run completed its first workflow task, A-B-B-A against raw signal-with-start of a
 *     waiting workflow counted the same way;
 * (b) events that start and wake nothing, 20 per /v1/batch request (an SDK's batch), identity
 *     resolution included (5 events per customer), counted when the API answered them stored.
 */
import type { EngineEnv } from '../engine.js';
import { cpuTally } from '../cpu.js';
import { settleFirstTasks } from '../first-tasks.js';
import type { LoadGenerator } from '../load-client.js';
import { interleaved, rate, spread } from '../measure.js';
import type { RawWorker } from '../raw-worker.js';
import { round, spreadRow, type Row } from '../row.js';
import { concurrency, type Sizes } from '../sizes.js';

async function ingestTriggers(
  env: EngineEnv,
  sizes: Sizes,
  raw: RawWorker,
  load: LoadGenerator,
): Promise<Row> {
  const { apiUrl, authorization, client, log, runTag } = env;
  const order = { url: apiUrl, authorization, concurrency: concurrency.clients };
  const triggers = { total: 0, settled: new Set<string>(), cpu: cpuTally() };
  const rawStarts = { total: 0, settled: new Set<string>(), cpu: cpuTally() };
  const engineSide = (count: number, tag: string) =>
    triggers.cpu.measure(count, async () => {
      const started = performance.now();
      const { stored } = await load({
        ...order,
        kind: 'track',
        event: 'Bench Ingest',
        prefix: `ingest-${runTag}-${tag}`,
        eventsPerUser: 1,
        count,
        batchSize: 1,
      });
      if (stored !== count) throw new Error(`bench: ingest stored ${stored} of ${count} events`);
      triggers.total += count;
      const what = 'ingested runs completing their first workflow task';
      await settleFirstTasks(client, `JourneyId='bench-ingest'`, triggers.total, what, triggers.settled);
      return count / ((performance.now() - started) / 1000);
    });
  const rawSide = (count: number, tag: string) =>
    rawStarts.cpu.measure(count, async () => {
      const started = performance.now();
      await rate(count, concurrency.clients, async (i) => {
        await client.workflow.signalWithStart('rawTriggered', {
          taskQueue: raw.queue,
          workflowId: `raw-triggered-${runTag}-${tag}-${i}`,
          signal: 'poke',
          signalArgs: [],
        });
      });
      rawStarts.total += count;
      const what = 'raw signal-with-starts completing their first workflow task';
      await settleFirstTasks(client, `WorkflowType='rawTriggered'`, rawStarts.total, what, rawStarts.settled);
      return count / ((performance.now() - started) / 1000);
    });
  await engineSide(sizes.warmUp, 'warm-up');
  await rawSide(sizes.warmUp, 'warm-up');
  log(`ingest of journey triggers × ${sizes.ingest}, A-B-B-A × ${sizes.reps} against raw signal-with-start`);
  triggers.cpu = cpuTally();
  rawStarts.cpu = cpuTally();
  const measured = await interleaved(
    sizes.reps,
    (rep) => engineSide(sizes.ingest, `m${rep}`),
    (rep) => rawSide(sizes.ingest, `m${rep}`),
  );
  const a = spread(measured.a);
  const b = spread(measured.b);
  log(`→ triggers ${round(a.median)}/s, raw ${round(b.median)}/s (finished first tasks)`);

  return {
    ...spreadRow(
      'ingest of journey triggers (HTTP, 1 per request; counted at the run’s first workflow task)',
      'events/s',
      a,
      { name: 'raw signal-with-start, counted at first task', value: b },
      { text: '≥ 0.8×', met: (r) => r !== null && r >= 0.8 },
    ),
    cpu: triggers.cpu.perItem(),
    baselineCpu: rawStarts.cpu.perItem(),
  };
}

async function ingestNothing(env: EngineEnv, sizes: Sizes, load: LoadGenerator): Promise<Row> {
  const { apiUrl, authorization, log, runTag } = env;
  const order = { url: apiUrl, authorization, concurrency: concurrency.clients };
  log(`ingest of events that start nothing × ${sizes.batchEvents}, 20 per /v1/batch request`);
  const noise = (count: number, tag: string) =>
    load({
      ...order,
      kind: 'batch',
      event: 'Bench Noise',
      prefix: `noise-${runTag}-${tag}`,
      eventsPerUser: 5,
      count,
      batchSize: 20,
    });
  await noise(sizes.warmUp * 5, 'warm-up');
  const batchCpu = cpuTally();
  const batches: number[] = [];
  for (let rep = 0; rep < sizes.reps; rep++) {
    const { stored, seconds } = await batchCpu.measure(sizes.batchEvents, () =>
      noise(sizes.batchEvents, `m${rep}`),
    );
    if (stored !== sizes.batchEvents)
      throw new Error(`bench: /v1/batch stored ${stored} of ${sizes.batchEvents}`);
    batches.push(stored / seconds);
  }
  log(`→ events that start nothing ${round(spread(batches).median)}/s`);

  return {
    ...spreadRow(
      'ingest of events that start and wake nothing (HTTP /v1/batch, 20 per request)',
      'events/s',
      spread(batches),
      undefined,
      { text: '≥ 1000/s', met: (_r, median) => median >= 1000 },
    ),
    cpu: batchCpu.perItem(),
  };
}

export async function runIngest(
  env: EngineEnv,
  sizes: Sizes,
  raw: RawWorker,
  load: LoadGenerator,
): Promise<Row[]> {
  return [await ingestTriggers(env, sizes, raw, load), await ingestNothing(env, sizes, load)];
}
