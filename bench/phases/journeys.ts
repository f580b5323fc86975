/**
 * Journeys per second: trigger → 3 sends through the pipeline (caps, ledger) → completion, with the
 * no-op adapter and with the local SMTP server, A-B-B-A against the raw workflows of the same shape:
 * 3 activities, 3 local activities, 3 activities writing a PostgreSQL ledger row each.
 */
import type { EngineEnv } from '../engine.js';
import { cpuTally } from '../cpu.js';
import { interleaved, rate, spread, type Spread } from '../measure.js';
import { rawWorkflows } from '../raw-runs.js';
import type { RawWorker } from '../raw-worker.js';
import { round, spreadRow, type Row } from '../row.js';
import { concurrency, type Sizes } from '../sizes.js';

const rawTypes = ['threeActivities', 'threeLocalActivities', 'threeLedgerActivities'] as const;
type Side = 'noop' | 'smtp' | (typeof rawTypes)[number];

export async function runJourneys(env: EngineEnv, sizes: Sizes, raw: RawWorker): Promise<Row[]> {
  const { log, runTag } = env;
  const tallies = new Map<Side, ReturnType<typeof cpuTally>>();
  const rates = new Map<Side, number[]>();
  const measure = async (side: Side, count: number, tag: string, task: () => Promise<number>) => {
    const tally = tallies.get(side) ?? cpuTally();
    tallies.set(side, tally);
    const value = await tally.measure(count, task);
    if (tag !== 'warm-up') rates.set(side, [...(rates.get(side) ?? []), value]);
    log(`→ ${side} × ${count} (${tag}): ${round(value)}/s`);
  };
  const engine = (adapter: 'noop' | 'smtp', count: number, tag: string) => async () => {
    env.deliverWith(adapter);
    const prefix = `j-${adapter}-${tag}-${runTag}`;
    const ids = await env.customers(prefix, count);
    await measure(adapter, count, tag, () =>
      rate(count, concurrency.lanes, (i) => env.runJourney(`${prefix}-${i}`, ids[i] ?? '')),
    );
  };
  const raws = (count: number, tag: string) => async () => {
    for (const type of rawTypes)
      await measure(type, count, tag, () => rawWorkflows(env, raw, type, count, tag));
  };
  await engine('noop', sizes.warmUp, 'warm-up')();
  await engine('smtp', sizes.warmUp, 'warm-up')();
  await raws(sizes.warmUp, 'warm-up')();
  tallies.clear();
  log(
    `journeys × ${sizes.journeys} (no-op, SMTP) A-B-B-A × ${sizes.reps} against 3 raw workflows × ${sizes.journeys}`,
  );
  await interleaved(
    sizes.reps,
    async (rep) => {
      await engine('noop', sizes.journeys, `m${rep}`)();
      await engine('smtp', sizes.journeys, `m${rep}`)();
    },
    (rep) => raws(sizes.journeys, `m${rep}`)(),
  );
  return journeyRows(rates, tallies);
}

/** The rows, each engine figure against its raw workflows' medians, with both sides' CPU. */
function journeyRows(rates: Map<Side, number[]>, tallies: Map<Side, ReturnType<typeof cpuTally>>): Row[] {
  const of = (side: Side): Spread => spread(rates.get(side) ?? []);
  const cpu = (side: Side) => tallies.get(side)?.perItem() ?? '';
  const raw3 = { name: 'raw 3-activity workflow', value: of('threeActivities') };
  const local = { name: 'raw 3-local-activity workflow', value: of('threeLocalActivities') };
  const withCpu = (row: Row, side: Side, baseline?: Side) => ({
    ...row,
    cpu: cpu(side),
    ...(baseline ? { baselineCpu: cpu(baseline) } : {}),
  });
  return [
    withCpu(
      spreadRow('journeys, 3 sends, no-op adapter', 'journeys/s', of('noop'), raw3, {
        text: '≥ 1.0×',
        met: (r) => r !== null && r >= 1,
      }),
      'noop',
      'threeActivities',
    ),
    withCpu(
      spreadRow('journeys, 3 sends, no-op adapter', 'journeys/s', of('noop'), local, {
        text: '≥ 0.6×',
        met: (r) => r !== null && r >= 0.6,
      }),
      'noop',
      'threeLocalActivities',
    ),
    spreadRow(
      'messages, no-op adapter (3 per journey)',
      'messages/s',
      spread((rates.get('noop') ?? []).map((v) => 3 * v)),
      undefined,
      undefined,
    ),
    withCpu(
      spreadRow('journeys, 3 sends, local SMTP server', 'journeys/s', of('smtp'), raw3, undefined),
      'smtp',
      'threeActivities',
    ),
    withCpu(
      spreadRow(
        'raw 3-activity workflow, a PostgreSQL ledger row each',
        'workflows/s',
        of('threeLedgerActivities'),
        raw3,
        undefined,
      ),
      'threeLedgerActivities',
      'threeActivities',
    ),
  ];
}
