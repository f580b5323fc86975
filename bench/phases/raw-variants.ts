/**
 * Two more raw baselines beside the 3-activity workflow: the same with local activities (no activity
 * tasks through the server), and with activities that each write one ledger row to PostgreSQL.
 */
import type { BenchEnv } from '../environment.js';
import { cpuMeter } from '../cpu.js';
import { rate } from '../measure.js';
import { round, ratio, type RawVariant, type Row } from '../row.js';
import { concurrency, type Sizes } from '../sizes.js';

export async function runRawVariants(env: BenchEnv, rawQueue: string, sizes: Sizes) {
  const { client, log, runTag } = env;
  const variant = async (workflowType: string, tag: string): Promise<RawVariant> => {
    const workflows = (count: number, phase: string) =>
      rate(count, concurrency.lanes, async (i) => {
        await client.workflow.execute(workflowType, {
          taskQueue: rawQueue,
          workflowId: `raw-${tag}-${runTag}-${phase}-${i}`,
        });
      });
    await workflows(sizes.warmUp, 'warm-up');
    log(`baseline: ${workflowType} × ${sizes.raw}`);
    const meter = cpuMeter();
    const value = await workflows(sizes.raw, 'measured');
    const cpu = meter.perItem(sizes.raw);
    log(`→ ${workflowType}: ${round(value)}/s; CPU ms/workflow ${cpu}`);
    return { rate: value, cpu };
  };
  return {
    local: await variant('threeLocalActivities', 'local'),
    ledger: await variant('threeLedgerActivities', 'ledger'),
  };
}

/** The two variants as rows, each read against the raw 3-activity workflow. */
export function rawVariantRows(rawRate: number, variants: { local: RawVariant; ledger: RawVariant }): Row[] {
  const row = (figure: string, v: RawVariant): Row => ({
    figure,
    value: round(v.rate),
    unit: 'workflows/s',
    baseline: 'raw 3-activity workflow',
    baselineValue: round(rawRate),
    ratio: ratio(v.rate, rawRate),
    target: '',
    met: null,
    cpu: v.cpu,
  });
  return [
    row('raw 3-local-activity workflow', variants.local),
    row('raw 3-activity workflow, a PostgreSQL ledger row each', variants.ledger),
  ];
}
