/**
 * The provider rate governor's token bucket, pure. One bucket per channel and provider account
 * holds up to `burst` tokens and refills at `ratePerSecond`; a send takes one token. The database
 * statement in delivery/rate-governor.ts computes exactly this, in SQL, under the row's lock.
 *
 * Priority: a triggered (journey) send that finds too few tokens records its shortfall in
 * `priorityWaiting`; bulk (broadcast) sends only take what lies above that reserve. Triggered sends
 * take from the same bucket, so together they never exceed the rate; and the reserve is capped at
 * `burst - 1`, so a reserve left behind by a worker that died costs burst, never rate.
 */

export const ratePriorities = ['triggered', 'bulk'] as const;
export type RatePriority = (typeof ratePriorities)[number];

export interface RateLimit {
  ratePerSecond: number;
  burst: number;
}

export interface BucketState {
  tokens: number;
  refilledAtMs: number;
  /** A provider asked us to stop (429 / Retry-After) until then; null: not blocked. */
  blockedUntilMs: number | null;
  /** Tokens triggered sends are short of: bulk sends leave them in the bucket. */
  priorityWaiting: number;
}

/** Rounding slack, so that 0.9999999 tokens after float refills still count as one. */
const epsilon = 1e-9;

/** The longest pause a provider's Retry-After may impose (a hostile or broken value is capped). */
export const maxBlockMs = 10 * 60_000;

/** The pause after a provider's "slow down" that names no time (Twilio's 429, SMTP 421). */
export const defaultBackOffMs = 1_000;

/**
 * A Retry-After header (seconds, or an HTTP date) as milliseconds from `atMs`; a missing or
 * unreadable one: `defaultBackOffMs`.
 */
export function retryAfterMs(header: string | null | undefined, atMs: number): number {
  const text = header?.trim() ?? '';
  if (/^\d+(\.\d+)?$/.test(text)) return Math.min(Number(text) * 1000, maxBlockMs);
  const date = Date.parse(text);
  if (Number.isFinite(date)) return Math.max(0, Math.min(date - atMs, maxBlockMs));
  return defaultBackOffMs;
}

/**
 * One second's tokens, at least 2 (so that a reserve of 1 still leaves bulk a token). A worker
 * that stalls (a busy event loop, a slow statement) for less than that loses no rate: the tokens
 * wait in the bucket. The price: right after a pause a provider may see up to twice the rate
 * within one second; a provider strict per second gets a smaller `, burst N`.
 */
export function defaultBurst(ratePerSecond: number): number {
  return Math.max(2, Math.ceil(ratePerSecond));
}

/** The largest reserve triggered sends may hold: bulk always has at least one token of room. */
export function maxReserve(limit: RateLimit): number {
  return Math.max(0, limit.burst - 1);
}

/** Tokens in the bucket at `atMs`: refilled by the time elapsed since the last refill, capped at burst. */
export function available(state: BucketState, limit: RateLimit, atMs: number): number {
  return Math.min(limit.burst, refilled(state, limit, atMs));
}

const refilled = (state: BucketState, limit: RateLimit, atMs: number) =>
  state.tokens + (limit.ratePerSecond * Math.max(0, atMs - state.refilledAtMs)) / 1000;

/**
 * The triggered reserve at `atMs`: what was reserved, less the refill that spilt over the cap since
 * (tokens held for triggered sends that did not come for them). So a reserve nobody claims shrinks
 * as fast as it would waste tokens: it costs burst, never rate, while bulk waits for the room.
 */
export function reserveAt(state: BucketState, limit: RateLimit, atMs: number): number {
  return Math.max(0, state.priorityWaiting - Math.max(0, refilled(state, limit, atMs) - limit.burst));
}

/**
 * Take up to `wanted` whole tokens at `atMs`: what is there (triggered), or what lies above the
 * triggered reserve (bulk); nothing while blocked. The clock never runs backwards for the bucket
 * (`refilledAtMs` only grows), so two callers that read the time in a different order cannot
 * refill the same interval twice.
 */
export function take(
  state: BucketState,
  limit: RateLimit,
  request: { wanted: number; priority: RatePriority },
  atMs: number,
): { granted: number; state: BucketState } {
  const tokens = available(state, limit, atMs);
  const reserve = reserveAt(state, limit, atMs);
  const blocked = state.blockedUntilMs !== null && state.blockedUntilMs > atMs;
  const room = request.priority === 'triggered' ? tokens : Math.max(0, tokens - reserve);
  const granted = blocked ? 0 : Math.max(0, Math.min(request.wanted, Math.floor(room + epsilon)));
  // Whole tokens, as the database's integer column keeps it.
  const priorityWaiting = Math.round(
    request.priority === 'triggered'
      ? Math.min(maxReserve(limit), Math.max(reserve - granted, request.wanted - granted))
      : reserve,
  );
  return {
    granted,
    state: {
      tokens: Math.max(0, tokens - granted),
      refilledAtMs: Math.max(state.refilledAtMs, atMs),
      blockedUntilMs: state.blockedUntilMs,
      priorityWaiting,
    },
  };
}

/**
 * A provider's back-off: no tokens until `untilMs` (capped at `maxBlockMs` from now), and the
 * bucket refills from empty after it, so the provider is not met with a burst on resuming.
 */
export function block(state: BucketState, untilMs: number, atMs: number): BucketState {
  const until = Math.min(untilMs, atMs + maxBlockMs);
  return {
    tokens: 0,
    refilledAtMs: Math.max(state.refilledAtMs, until),
    blockedUntilMs: Math.max(state.blockedUntilMs ?? until, until),
    priorityWaiting: state.priorityWaiting,
  };
}

/**
 * How long a caller short of `missing` tokens waits before asking again: until the block ends,
 * else the time those tokens take to refill, kept between 2 ms and half the time the bucket takes
 * to fill (so a waiting worker asks before refills overflow) and at most `maxPollMs`.
 */
export function retryInMs(limit: RateLimit, missing: number, blockedForMs: number, maxPollMs = 100): number {
  if (blockedForMs > 0) return Math.min(blockedForMs, 1_000);
  const fillMs = (limit.burst / limit.ratePerSecond) * 1000;
  const refillMs = (Math.max(1, missing) / limit.ratePerSecond) * 1000;
  return Math.max(2, Math.min(refillMs, fillMs / 2, maxPollMs));
}

const unitSeconds = { s: 1, sec: 1, second: 1, m: 60, min: 60, minute: 60, h: 3600, hour: 3600 } as const;

/**
 * `200/s`, `12000/min`, `50000/h` (optionally `…, burst 40`) → the limit; `undefined` with a
 * reason when the text is not one. A rate is positive and at most 1,000,000 messages a second.
 */
export function parseRateLimit(text: string): { ok: true; limit: RateLimit } | { ok: false; reason: string } {
  const match = /^\s*(\d+(?:\.\d+)?)\s*\/\s*([a-z]+)\s*(?:,\s*burst\s+(\d+))?\s*$/i.exec(text);
  const unit = match?.[2]?.toLowerCase() as keyof typeof unitSeconds | undefined;
  if (!match || !unit || !(unit in unitSeconds))
    return { ok: false, reason: 'is not a rate such as 200/s, 12000/min or 50000/h' };
  const ratePerSecond = Number(match[1]) / unitSeconds[unit];
  if (!(ratePerSecond > 0) || ratePerSecond > 1_000_000)
    return { ok: false, reason: 'must be more than 0 and at most 1000000/s' };
  const burst = match[3] === undefined ? defaultBurst(ratePerSecond) : Number(match[3]);
  if (burst < 1 || burst > 1_000_000) return { ok: false, reason: 'burst must be from 1 to 1000000' };
  return { ok: true, limit: { ratePerSecond, burst } };
}
