/** Journeys per second: trigger → 3 sends through the pipeline (caps, ledger) → completion. */
import type { EngineEnv } from '../engine.js';
import { cpuMeter } from '../cpu.js';
import { rate } from '../measure.js';
import { ratio, round, type Baselines, type Row } from '../row.js';
import { concurrency, type Sizes } from '../sizes.js';

export async function runJourneys(env: EngineEnv, sizes: Sizes, baselines: Baselines): Promise<Row[]> {
  const { log, runTag } = env;
  const journeyRate = async (label: string, adapter: 'noop' | 'smtp', count = sizes.journeys) => {
    env.deliverWith(adapter);
    const prefix = `j-${label}-${runTag}`;
    const ids = await env.customers(prefix, count);
    log(`engine: ${count} journeys with 3 sends (${label}), ${concurrency.lanes} lanes`);
    const meter = cpuMeter();
    const value = await rate(count, concurrency.lanes, (i) => env.runJourney(`${prefix}-${i}`, ids[i] ?? ''));
    return { value, cpu: meter.perItem(count) };
  };
  await journeyRate('warm-up', 'noop', sizes.warmUp);
  const noop = await journeyRate('noop', 'noop');
  log(`→ journeysNoop: ${round(noop.value)}/s; CPU ms/journey ${noop.cpu}`);
  const smtp = await journeyRate('smtp', 'smtp');
  log(`→ journeysSmtp: ${round(smtp.value)}/s; CPU ms/journey ${smtp.cpu}`);

  const [noopRow, messagesRow, smtpRow] = journeyRows(noop.value, smtp.value, baselines);
  return [noopRow, messagesRow, smtpRow].flatMap((row, i) =>
    // The messages row is per message, the CPU per journey: left without.
    row ? [i === 1 ? row : { ...row, cpu: i === 2 ? smtp.cpu : noop.cpu }] : [],
  );
}

function journeyRows(journeysNoop: number, journeysSmtp: number, { rawRate }: Baselines): Row[] {
  return [
    {
      figure: 'journeys, 3 sends, no-op adapter',
      value: round(journeysNoop),
      unit: 'journeys/s',
      baseline: 'raw 3-activity workflow',
      baselineValue: round(rawRate),
      ratio: ratio(journeysNoop, rawRate),
      target: '≥ 0.7×',
      met: journeysNoop >= 0.7 * rawRate,
    },
    {
      figure: 'messages, no-op adapter (3 per journey)',
      value: round(journeysNoop * 3),
      unit: 'messages/s',
      baseline: '',
      baselineValue: null,
      ratio: null,
      target: '≥ 1000/s',
      met: journeysNoop * 3 >= 1000,
    },
    {
      figure: 'journeys, 3 sends, local SMTP server',
      value: round(journeysSmtp),
      unit: 'journeys/s',
      baseline: 'raw 3-activity workflow',
      baselineValue: round(rawRate),
      ratio: ratio(journeysSmtp, rawRate),
      target: '',
      met: null,
    },
  ];
}
