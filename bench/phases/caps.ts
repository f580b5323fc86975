/**
 * Cap check + ledger reservation in isolation (no provider call) at a fixed offered rate, open loop
 * (each call issued at its time whether or not the earlier ones finished; latency counted from that
 * time, so queueing shows), A-B-B-A against a durable single-row insert and its commit at the same rate.
 */
import { sql } from 'drizzle-orm';
import type { EngineEnv } from '../engine.js';
import { interleaved, latencySummary, sleep, spread, type LatencySummary } from '../measure.js';
import { spreadRow, type Row } from '../row.js';
import type { Sizes } from '../sizes.js';

/** Calls per second offered to the cap check and to the insert alike. */
export const offeredRate = 200;

/** Issues `count` calls at `perSecond`, open loop; each latency from the call's scheduled time. */
async function openLoop(count: number, perSecond: number, call: (i: number) => Promise<void>) {
  const samples: number[] = [];
  const calls: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const at = start + (i * 1000) / perSecond;
    const wait = at - performance.now();
    if (wait > 0) await sleep(wait);
    calls.push(call(i).then(() => void samples.push(performance.now() - at)));
  }
  await Promise.all(calls);
  return latencySummary(samples);
}

export async function runCaps(env: EngineEnv, sizes: Sizes): Promise<Row[]> {
  const { db, log, noopPipeline, runTag } = env;
  const capIds = await env.customers(`cap-${runTag}`, 64);
  const reservation = (tag: string) => async (i: number) => {
    const customerId = capIds[i % capIds.length] ?? '';
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
      trigger: { messageId: 'm', name: 'Bench Order', properties: {}, occurredAt: new Date().toISOString() },
    });
  };
  // The reservation cannot be faster than making its ledger row durable.
  await db.execute(sql`create table bench_commit_probe (id serial primary key, at timestamptz not null)`);
  const insert = async () => {
    await db.execute(sql`insert into bench_commit_probe (at) values (now())`);
  };
  await openLoop(sizes.warmUp * 4, offeredRate, reservation('warm-up'));
  await openLoop(sizes.warmUp * 4, offeredRate, insert);
  log(
    `cap check + ledger reservation × ${sizes.caps} at ${offeredRate}/s, A-B-B-A × ${sizes.reps} against a durable insert`,
  );
  const { a, b } = await interleaved(
    sizes.reps,
    (rep) => openLoop(sizes.caps, offeredRate, reservation(`m${rep}`)),
    () => openLoop(sizes.caps, offeredRate, insert),
  );
  await db.execute(sql`drop table bench_commit_probe`);
  const row = (p: 'p50' | 'p99', target?: string) =>
    spreadRow(
      `cap check + ledger reservation ${p}, ${offeredRate}/s offered`,
      'ms',
      spread(a.map((s: LatencySummary) => s[p])),
      { name: `durable insert + commit ${p}, ${offeredRate}/s`, value: spread(b.map((s) => s[p])) },
      target ? { text: target, met: (_r, median) => median <= 5 } : undefined,
    );
  return [row('p50'), row('p99', '≤ 5 ms')];
}
