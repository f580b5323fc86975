import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../db/client.js';
import type { Channel } from '../domain/channels.js';
import {
  maxBlockMs,
  ratePriorities,
  retryInMs,
  type RateLimit,
  type RatePriority,
} from '../domain/token-bucket.js';
import { countProviderBlock, countProviderThrottled, observeRateWait } from '../infra/metrics.js';
import { abortedFailure, ChannelFailure } from './channel-adapter.js';
import { blockBucket, ensureBucket, takeTokens, type RateBucket } from './provider-rates.js';

export type { RateBucket };

/** How long a send waits for a token before it fails as transient (the activity retries it). */
export const defaultRateWaitMs = 30_000;

/**
 * The provider rate governor: one token bucket per channel and provider account in PostgreSQL
 * (`provider_rates`), shared by every journey and broadcast on every worker. Channels without a
 * configured rate are not governed (no statement, no wait).
 *
 * In a process, the callers waiting on one bucket are served by one loop that asks the database
 * for all of them at once (triggered callers first, then bulk), so the statements per second stay
 * near (workers × 1 / poll interval), not one per message.
 */
export interface RateGovernor {
  /** The channel's configured limit, or undefined when the channel is not governed. */
  limitOf(channel: Channel): RateLimit | undefined;
  /**
   * One statement, no waiting: up to `count` tokens now. `retryInMs` says when asking again is
   * worthwhile. For batch senders that pace themselves; a channel not governed grants everything.
   */
  take(
    bucket: RateBucket,
    count: number,
    priority: RatePriority,
  ): Promise<{ granted: number; retryInMs: number }>;
  /**
   * Wait until `count` (default 1) tokens are taken, at most `maxWaitMs` (default 30 s) or until
   * `signal` aborts; then it throws a transient ChannelFailure and the tokens taken so far are lost.
   */
  acquire(
    bucket: RateBucket,
    options: {
      priority: RatePriority;
      count?: number;
      signal?: AbortSignal;
      maxWaitMs?: number;
      /**
       * Among the waiters of one priority in this process, a lower `order` is served first, then by
       * arrival. A broadcast's batch passes its start time: its older batch gets the tokens, so
       * batches finish one after another and the next is reserved while the others send, instead of
       * all finishing together and leaving the rate unused while they are all reserved again.
       */
      order?: number;
    },
  ): Promise<void>;
  /** A provider said "slow down": nobody on any worker takes a token of this bucket for `forMs`. */
  block(bucket: RateBucket, forMs: number): Promise<void>;
}

interface Waiter {
  remaining: number;
  order: number;
  arrivedAt: number;
  done(error?: Error): void;
}

interface Pump {
  queues: Record<RatePriority, Waiter[]>;
  running: boolean;
}

/** What every bucket of one governor shares: the pool, the limits, the rows known to exist. */
interface Shared {
  db: Database;
  limits: Partial<Record<Channel, RateLimit>>;
  maxPollMs?: number;
  ensured: Set<string>;
  pumps: Map<string, Pump>;
}

const keyOf = (bucket: RateBucket) => `${bucket.channel}\u0000${bucket.account}`;

export function createRateGovernor(options: {
  db: Database;
  limits: Partial<Record<Channel, RateLimit>>;
  /** The longest pause between two asks while short of tokens (default 100 ms). */
  maxPollMs?: number;
}): RateGovernor {
  const shared: Shared = { ...options, ensured: new Set(), pumps: new Map() };
  const { db, limits } = options;
  return {
    limitOf: (channel) => limits[channel],
    async take(bucket, count, priority) {
      const limit = limits[bucket.channel];
      if (!limit) return { granted: count, retryInMs: 0 };
      const wanted = Math.min(count, limit.burst);
      const taken = await statement(shared, bucket, limit, wanted, priority);
      const missing = count - taken.granted;
      const retry = missing > 0 ? retryInMs(limit, missing, taken.blockedForMs, options.maxPollMs) : 0;
      return { granted: taken.granted, retryInMs: retry };
    },
    async acquire(bucket, { priority, count = 1, signal, maxWaitMs = defaultRateWaitMs, order = 0 }) {
      const limit = limits[bucket.channel];
      if (!limit || count <= 0) return;
      if (signal?.aborted) throw abortedFailure(signal, bucket.channel);
      const key = keyOf(bucket);
      const pump = shared.pumps.get(key) ?? { queues: { triggered: [], bulk: [] }, running: false };
      shared.pumps.set(key, pump);
      const started = performance.now();
      try {
        await new Promise<void>((resolve, reject) => {
          const queue = pump.queues[priority];
          const waiter = waiterFor(queue, { count, order }, signal, maxWaitMs, bucket, (error) =>
            error ? reject(error) : resolve(),
          );
          queue.push(waiter);
          if (!pump.running) void run(shared, bucket, limit, pump);
        });
      } finally {
        observeRateWait(bucket.channel, priority, (performance.now() - started) / 1000);
      }
    },
    async block(bucket, forMs) {
      const limit = limits[bucket.channel];
      if (!limit) return;
      if (!shared.ensured.has(keyOf(bucket))) await ensureBucket(db, bucket, limit);
      shared.ensured.add(keyOf(bucket));
      await blockBucket(db, bucket, forMs);
      countProviderBlock(bucket.channel, Math.min(forMs, maxBlockMs) / 1000);
    },
  };
}

/** One statement; the row is created on first use (and again if someone deleted it). */
async function statement(
  shared: Shared,
  bucket: RateBucket,
  limit: RateLimit,
  wanted: number,
  priority: RatePriority,
) {
  const key = keyOf(bucket);
  if (!shared.ensured.has(key)) {
    await ensureBucket(shared.db, bucket, limit);
    shared.ensured.add(key);
  }
  const taken = await takeTokens(shared.db, bucket, limit, wanted, priority);
  if (taken) return taken;
  await ensureBucket(shared.db, bucket, limit);
  return (await takeTokens(shared.db, bucket, limit, wanted, priority)) ?? { granted: 0, blockedForMs: 0 };
}

/** Serve the bucket's waiters (triggered first) until none is left; each waiter's deadline bounds the loop. */
async function run(shared: Shared, bucket: RateBucket, limit: RateLimit, pump: Pump) {
  pump.running = true;
  try {
    while (pump.queues.triggered.length + pump.queues.bulk.length > 0) {
      let short = 0;
      let blockedForMs = 0;
      for (const priority of ratePriorities) {
        const queue = pump.queues[priority];
        const wanted = Math.min(
          limit.burst,
          queue.reduce((sum, waiter) => sum + waiter.remaining, 0),
        );
        if (wanted === 0) continue;
        const taken = await statement(shared, bucket, limit, Math.ceil(wanted), priority);
        hand(queue, taken.granted);
        short = Math.max(short, wanted - taken.granted);
        blockedForMs = Math.max(blockedForMs, taken.blockedForMs);
      }
      if (short > 0) {
        const pause = retryInMs(limit, short, blockedForMs, shared.maxPollMs);
        await sleep(pause * (0.8 + Math.random() * 0.4)); // jitter: workers do not ask in lockstep
      }
    }
  } catch (error) {
    for (const waiter of [...pump.queues.triggered, ...pump.queues.bulk]) waiter.done(error as Error);
  } finally {
    pump.running = false;
  }
}

/** A caller in the queue, which leaves it when served, at its deadline or on abort. */
function waiterFor(
  queue: Waiter[],
  { count, order }: { count: number; order: number },
  signal: AbortSignal | undefined,
  maxWaitMs: number,
  bucket: RateBucket,
  settle: (error?: Error) => void,
): Waiter {
  const waiter: Waiter = {
    remaining: count,
    order,
    arrivedAt: performance.now(),
    done(error) {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (queue.includes(waiter)) queue.splice(queue.indexOf(waiter), 1);
      settle(error);
    },
  };
  const onAbort = () => waiter.done(abortedFailure(signal as AbortSignal, bucket.channel));
  const late = `${bucket.channel} rate limit: no token within ${maxWaitMs} ms (account ${bucket.account})`;
  const timer = setTimeout(() => waiter.done(new ChannelFailure('transient', late)), maxWaitMs);
  signal?.addEventListener('abort', onAbort, { once: true });
  return waiter;
}

/**
 * A waiter served before any by `order` once it waited this long: a third of the default wait bound,
 * so preferring older batches never makes a younger one's send time out.
 */
const overdueMs = defaultRateWaitMs / 3;

/**
 * Tokens to the waiters: those waiting over `overdueMs` first, then by `order`, each by arrival (the
 * queue's order); a waiter with all it asked for is done.
 */
function hand(queue: Waiter[], granted: number): void {
  const now = performance.now();
  const overdue = (w: Waiter) => now - w.arrivedAt > overdueMs;
  const served = [
    ...queue.filter(overdue),
    ...queue.filter((w) => !overdue(w)).sort((a, b) => a.order - b.order),
  ];
  let left = granted;
  for (const waiter of served) {
    if (left <= 0) return;
    const given = Math.min(left, waiter.remaining);
    waiter.remaining -= given;
    left -= given;
    if (waiter.remaining <= 0) waiter.done();
  }
}

/**
 * What a provider call threw, as a ChannelFailure; a "slow down" (429 / Retry-After, SMTP 421)
 * first pauses the provider account for every worker. The failure then takes the usual way
 * (`afterFailure`: a retry of the same reserved row, or the next channel), so it is never a second
 * message and never a second counted row.
 */
export async function governedFailure(
  governor: RateGovernor | undefined,
  bucket: RateBucket,
  error: unknown,
): Promise<ChannelFailure> {
  const failure = ChannelFailure.from(error);
  if (failure.retryAfterMs === undefined) return failure;
  countProviderThrottled(bucket.channel);
  await governor?.block(bucket, failure.retryAfterMs);
  return failure;
}
