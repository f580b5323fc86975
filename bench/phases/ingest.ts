/** Ingest through HTTP: identity resolution, storage and a journey start per event. */
import type { EngineEnv } from '../engine.js';
import { cpuMeter } from '../cpu.js';
import { settleFirstTasks } from '../first-tasks.js';
import { rate } from '../measure.js';
import { ratio, round, type Baselines, type Row } from '../row.js';
import { concurrency, type Sizes } from '../sizes.js';

export async function runIngest(env: EngineEnv, sizes: Sizes, baselines: Baselines): Promise<Row[]> {
  const { apiUrl, authorization, client, log, runTag } = env;
  const ingestOverHttp = (count: number, tag: string) =>
    rate(count, concurrency.clients, async (i) => {
      const response = await fetch(`${apiUrl}/v1/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({
          userId: `ingest-${runTag}-${tag}-${i}`,
          event: 'Bench Ingest',
          messageId: `ingest-${runTag}-${tag}-${i}`,
        }),
      });
      if (response.status !== 200)
        throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
    });
  await ingestOverHttp(sizes.warmUp, 'warm-up');
  log(`engine: ingest × ${sizes.ingest} over HTTP, ${concurrency.clients} clients`);
  const ingestCpu = cpuMeter();
  const ingestRate = await ingestOverHttp(sizes.ingest, 'measured');
  log(`→ ingestRate: ${round(ingestRate)}/s`);
  // The runs ingest started take their first workflow task after the API has answered. Let the worker
  // finish those first: otherwise the next phase (journeys with the no-op adapter) pays for them.
  // Settled means each run's first workflow task completed (describe), not its start-time search
  // attributes, which already say JourneyStep='wait' when the start is accepted.
  await settleFirstTasks(
    client,
    `JourneyId='bench-ingest'`,
    sizes.ingest + sizes.warmUp,
    'ingested runs completing their first workflow task',
  );
  // Through the settle: the runs' first tasks are part of each event's work (describe polls too).
  const cpu = ingestCpu.perItem(sizes.ingest);
  log(`engine: every ingested run waits; CPU ms/event ${cpu}`);

  return ingestRows(ingestRate, baselines).map((row) => ({ ...row, cpu }));
}

function ingestRows(ingestRate: number, { swsRate }: Baselines): Row[] {
  return [
    {
      figure: 'ingest (HTTP, identity, storage, journey start)',
      value: round(ingestRate),
      unit: 'events/s',
      baseline: 'raw signal-with-start',
      baselineValue: round(swsRate),
      ratio: ratio(ingestRate, swsRate),
      target: '≥ 0.8× and ≥ 1000/s',
      met: ingestRate >= 0.8 * swsRate && ingestRate >= 1000,
    },
  ];
}
