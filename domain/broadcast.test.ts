import { describe, expect, it } from 'vitest';
import { broadcastDedupKey, broadcastProgress, formatDuration } from './broadcast.js';

describe('broadcast progress', () => {
  const startedAt = new Date('2026-01-01T00:00:00Z');
  it('has no percent before the audience is counted', () => {
    expect(broadcastProgress({ processed: 0, audienceTotal: null, startedAt, now: startedAt })).toEqual({
      processed: 0,
      audienceTotal: null,
      percent: null,
      etaSeconds: null,
    });
  });
  it('estimates the time left from the rate so far', () => {
    const now = new Date(startedAt.getTime() + 10_000);
    const progress = broadcastProgress({ processed: 2_500, audienceTotal: 10_000, startedAt, now });
    expect(progress.percent).toBe(25);
    expect(progress.etaSeconds).toBe(30);
  });
  it('is 100 % with nothing left, also for an empty audience', () => {
    const now = new Date(startedAt.getTime() + 1_000);
    expect(broadcastProgress({ processed: 7, audienceTotal: 7, startedAt, now })).toMatchObject({
      percent: 100,
      etaSeconds: 0,
    });
    expect(broadcastProgress({ processed: 0, audienceTotal: 0, startedAt, now }).percent).toBe(100);
  });
  it('never shows more than 100 % (members counted once at the start)', () => {
    const now = new Date(startedAt.getTime() + 1_000);
    expect(broadcastProgress({ processed: 12, audienceTotal: 10, startedAt, now }).percent).toBe(100);
  });
  it('names keys and durations', () => {
    expect(broadcastDedupKey('b', 'c')).toBe('broadcast:b:c');
    expect(formatDuration(3725)).toBe('1h 02m 05s');
    expect(formatDuration(65)).toBe('1m 05s');
    expect(formatDuration(4)).toBe('4s');
  });
});
