/**
 * Cap check + ledger reservation in isolation (no provider call), at 1 and 64 concurrent callers,
 * beside their floor on the same server: one durable single-row insert and its commit.
 */
import { sql } from 'drizzle-orm';
import type { EngineEnv } from '../engine.js';
import { latencySummary, rate, type LatencySummary } from '../measure.js';
import { ratio, type Row } from '../row.js';
import type { Sizes } from '../sizes.js';

export async function runCaps(env: EngineEnv, sizes: Sizes): Promise<Row[]> {
  const { db, log, noopPipeline, runTag } = env;
  const capIds = await env.customers(`cap-${runTag}`, 64);
  const reservation = async (callers: number, count = sizes.caps, tag = `${callers}`) => {
    const samples: number[] = [];
    await rate(count, callers, async (i) => {
      const customerId = capIds[i % capIds.length] ?? '';
      const t0 = performance.now();
      await noopPipeline.reserve({
        dedupKey: `cap-${runTag}-${tag}-${i}`,
        customerId,
        journeyId: 'bench-three-sends',
        journeyVersion: 'bench',
        workflowId: `cap-${runTag}`,
        runId: `cap-${runTag}-${tag}-${i}`,
        stepId: 'first',
        template: 'order-thank-you',
        channels: ['email'],
        intentKey: `cap-${i}`,
        category: 'marketing',
        tags: [],
        overCap: 'skip',
        quietHours: 'skip',
        trigger: {
          messageId: 'm',
          name: 'Bench Order',
          properties: {},
          occurredAt: new Date().toISOString(),
        },
      });
      samples.push(performance.now() - t0);
    });
    return latencySummary(samples);
  };
  log(`engine: cap check + ledger reservation × ${sizes.caps} at 1 and 64 callers`);
  await reservation(64, 4 * sizes.warmUp, 'warm-up');
  const caps1 = await reservation(1);
  const caps64 = await reservation(64);
  // The reservation cannot be faster than making its ledger row durable.
  await db.execute(sql`create table bench_commit_probe (id serial primary key, at timestamptz not null)`);
  const commits = async (callers: number) => {
    const samples: number[] = [];
    await rate(sizes.caps, callers, async () => {
      const t0 = performance.now();
      await db.execute(sql`insert into bench_commit_probe (at) values (now())`);
      samples.push(performance.now() - t0);
    });
    return latencySummary(samples);
  };
  const commit1 = await commits(1);
  const commit64 = await commits(64);
  await db.execute(sql`drop table bench_commit_probe`);

  return capRows({ caps1, caps64, commit1, commit64 });
}

function capRows({
  caps1,
  caps64,
  commit1,
  commit64,
}: Record<'caps1' | 'caps64' | 'commit1' | 'commit64', LatencySummary>): Row[] {
  return [
    {
      figure: 'cap check + ledger reservation p50, 1 caller',
      value: caps1.p50,
      unit: 'ms',
      baseline: 'durable insert + commit p50',
      baselineValue: commit1.p50,
      ratio: ratio(caps1.p50, commit1.p50),
      target: '',
      met: null,
    },
    {
      figure: 'cap check + ledger reservation p99, 1 caller',
      value: caps1.p99,
      unit: 'ms',
      baseline: 'durable insert + commit p99',
      baselineValue: commit1.p99,
      ratio: ratio(caps1.p99, commit1.p99),
      target: '≤ 5 ms',
      met: caps1.p99 <= 5,
    },
    {
      figure: 'cap check + ledger reservation p50, 64 callers',
      value: caps64.p50,
      unit: 'ms',
      baseline: 'durable insert + commit p50',
      baselineValue: commit64.p50,
      ratio: ratio(caps64.p50, commit64.p50),
      target: '',
      met: null,
    },
    {
      figure: 'cap check + ledger reservation p99, 64 callers',
      value: caps64.p99,
      unit: 'ms',
      baseline: 'durable insert + commit p99',
      baselineValue: commit64.p99,
      ratio: ratio(caps64.p99, commit64.p99),
      target: '≤ 5 ms',
      met: caps64.p99 <= 5,
    },
  ];
}
