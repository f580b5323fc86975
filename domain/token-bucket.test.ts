import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  available,
  block,
  defaultBackOffMs,
  defaultBurst,
  maxBlockMs,
  maxReserve,
  parseRateLimit,
  reserveAt,
  retryAfterMs,
  retryInMs,
  take,
  type BucketState,
  type RateLimit,
} from './token-bucket.js';

const limitArb = fc
  .record({
    ratePerSecond: fc.double({ min: 0.5, max: 5_000, noNaN: true }),
    burst: fc.integer({ min: 1, max: 500 }),
  })
  .map((l): RateLimit => l);
const stateArb = (limit: RateLimit) =>
  fc
    .record({
      tokens: fc.double({ min: 0, max: limit.burst, noNaN: true }),
      refilledAtMs: fc.integer({ min: 0, max: 10_000 }),
      blockedUntilMs: fc.constant(null),
      priorityWaiting: fc.integer({ min: 0, max: maxReserve(limit) }),
    })
    .map((s): BucketState => s);
const callArb = fc.record({
  wanted: fc.integer({ min: 1, max: 50 }),
  priority: fc.constantFrom('triggered' as const, 'bulk' as const),
  atMs: fc.integer({ min: 0, max: 20_000 }),
});

describe('token bucket', () => {
  it('never grants more than the burst plus the refill of the time covered, whatever the order of callers', () => {
    fc.assert(
      fc.property(
        limitArb.chain((limit) =>
          fc.tuple(fc.constant(limit), stateArb(limit), fc.array(callArb, { maxLength: 60 })),
        ),
        ([limit, start, calls]) => {
          let state = start;
          let granted = 0;
          for (const call of calls) {
            const result = take(state, limit, call, call.atMs);
            granted += result.granted;
            state = result.state;
          }
          const latest = Math.max(start.refilledAtMs, ...calls.map((c) => c.atMs));
          const allowance = start.tokens + (limit.ratePerSecond * (latest - start.refilledAtMs)) / 1000;
          expect(granted).toBeLessThanOrEqual(Math.floor(allowance + 1e-6));
        },
      ),
    );
  });

  it('a triggered caller gets at least what a bulk caller would from the same bucket', () => {
    fc.assert(
      fc.property(
        limitArb.chain((limit) => fc.tuple(fc.constant(limit), stateArb(limit), callArb)),
        ([limit, state, call]) => {
          const triggered = take(state, limit, { ...call, priority: 'triggered' }, call.atMs);
          const bulk = take(state, limit, { ...call, priority: 'bulk' }, call.atMs);
          expect(triggered.granted).toBeGreaterThanOrEqual(bulk.granted);
        },
      ),
    );
  });

  it('bulk leaves the triggered reserve in the bucket (less what spilt over the cap)', () => {
    fc.assert(
      fc.property(
        limitArb.chain((limit) => fc.tuple(fc.constant(limit), stateArb(limit), callArb)),
        ([limit, state, call]) => {
          const before = available(state, limit, call.atMs);
          const after = take(state, limit, { ...call, priority: 'bulk' }, call.atMs);
          if (after.granted > 0)
            expect(after.state.tokens).toBeGreaterThanOrEqual(reserveAt(state, limit, call.atMs) - 1e-6);
          else expect(after.state.tokens).toBeCloseTo(before, 6);
        },
      ),
    );
  });

  it('a reserve left by a dead worker costs burst, never rate: bulk gets a token once the bucket is full', () => {
    fc.assert(
      fc.property(
        limitArb.chain((limit) => fc.tuple(fc.constant(limit), stateArb(limit))),
        ([limit, state]) => {
          const leaked = { ...state, priorityWaiting: maxReserve(limit) };
          const full = state.refilledAtMs + Math.ceil((limit.burst / limit.ratePerSecond) * 1000);
          expect(take(leaked, limit, { wanted: 1, priority: 'bulk' }, full).granted).toBe(1);
        },
      ),
    );
  });

  it('a reserve no triggered send comes for shrinks as it would spill: bulk polling keeps the whole rate', () => {
    // 200/s, burst 10, a reserve of 9 left behind; a bulk caller asks for 10 every 25 ms for 2 s.
    const limit = { ratePerSecond: 200, burst: 10 };
    let state: BucketState = { tokens: 10, refilledAtMs: 0, blockedUntilMs: null, priorityWaiting: 9 };
    let granted = 0;
    for (let atMs = 25; atMs <= 2_000; atMs += 25) {
      const taken = take(state, limit, { wanted: 10, priority: 'bulk' }, atMs);
      granted += taken.granted;
      state = taken.state;
    }
    // The refill of 2 s (400) at most, plus what was there; never the 1 token a poll (80) a fixed reserve allowed.
    expect(granted).toBeGreaterThanOrEqual(390);
    expect(granted).toBeLessThanOrEqual(410);
  });

  it('a triggered caller short of tokens reserves its shortfall, at most burst - 1', () => {
    const limit = { ratePerSecond: 10, burst: 5 };
    const empty = { tokens: 0, refilledAtMs: 0, blockedUntilMs: null, priorityWaiting: 0 };
    const short = take(empty, limit, { wanted: 3, priority: 'triggered' }, 0);
    expect(short).toMatchObject({ granted: 0, state: { priorityWaiting: 3 } });
    // 200 ms later two tokens have refilled: bulk may not take them, triggered may.
    expect(take(short.state, limit, { wanted: 2, priority: 'bulk' }, 200).granted).toBe(0);
    const served = take(short.state, limit, { wanted: 3, priority: 'triggered' }, 200);
    expect(served).toMatchObject({ granted: 2, state: { priorityWaiting: 1 } });
    expect(take(empty, limit, { wanted: 50, priority: 'triggered' }, 0).state.priorityWaiting).toBe(4);
  });

  it('blocked: nothing until the block ends, then a refill from empty; a block is capped at 10 minutes', () => {
    const limit = { ratePerSecond: 100, burst: 20 };
    const full = { tokens: 20, refilledAtMs: 0, blockedUntilMs: null, priorityWaiting: 0 };
    const blocked = block(full, 2_000, 1_000);
    expect(take(blocked, limit, { wanted: 5, priority: 'triggered' }, 1_999).granted).toBe(0);
    expect(take(blocked, limit, { wanted: 5, priority: 'triggered' }, 2_000).granted).toBe(0);
    expect(take(blocked, limit, { wanted: 5, priority: 'triggered' }, 2_050).granted).toBe(5);
    expect(block(full, 10 ** 12, 0).blockedUntilMs).toBe(maxBlockMs);
    expect(block(blocked, 1_500, 1_000).blockedUntilMs).toBe(2_000);
  });

  it('asks again when the missing tokens have refilled, within 2 ms and half a fill', () => {
    expect(retryInMs({ ratePerSecond: 200, burst: 40 }, 1, 0)).toBe(5);
    expect(retryInMs({ ratePerSecond: 200, burst: 40 }, 1000, 0)).toBe(100);
    expect(retryInMs({ ratePerSecond: 10, burst: 2 }, 5, 0)).toBe(100);
    expect(retryInMs({ ratePerSecond: 100_000, burst: 20_000 }, 1, 0)).toBe(2);
    expect(retryInMs({ ratePerSecond: 200, burst: 40 }, 1, 300)).toBe(300);
  });

  it('reads Retry-After as seconds or an HTTP date, capped at 10 minutes; unreadable: 1 s', () => {
    const at = Date.parse('2026-12-06T08:00:00Z');
    expect(retryAfterMs('2', at)).toBe(2_000);
    expect(retryAfterMs('Sun, 06 Dec 2026 08:00:30 GMT', at)).toBe(30_000);
    expect(retryAfterMs('Sun, 06 Dec 2026 07:00:00 GMT', at)).toBe(0);
    expect(retryAfterMs('86400', at)).toBe(maxBlockMs);
    expect(retryAfterMs('soon', at)).toBe(defaultBackOffMs);
    expect(retryAfterMs(null, at)).toBe(defaultBackOffMs);
  });

  it('reads rates as operators write them, and says what is wrong with the rest', () => {
    expect(parseRateLimit('200/s')).toEqual({ ok: true, limit: { ratePerSecond: 200, burst: 200 } });
    expect(parseRateLimit('12000/min')).toEqual({ ok: true, limit: { ratePerSecond: 200, burst: 200 } });
    expect(parseRateLimit('720000/h')).toEqual({ ok: true, limit: { ratePerSecond: 200, burst: 200 } });
    expect(parseRateLimit('3600/h, burst 5')).toEqual({ ok: true, limit: { ratePerSecond: 1, burst: 5 } });
    expect(parseRateLimit('fast')).toEqual({
      ok: false,
      reason: 'is not a rate such as 200/s, 12000/min or 50000/h',
    });
    expect(parseRateLimit('0/s')).toMatchObject({
      ok: false,
      reason: 'must be more than 0 and at most 1000000/s',
    });
    expect(parseRateLimit('5/s, burst 0')).toMatchObject({
      ok: false,
      reason: 'burst must be from 1 to 1000000',
    });
    expect(defaultBurst(1)).toBe(2);
  });
});
