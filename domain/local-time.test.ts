import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';
import { nextLocalTime } from './local-time.js';

describe('durations and local times', () => {
  it('parses durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1d 12h')).toBe(129_600_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('-1h')).toBeUndefined();
    expect(parseDuration('1 hour')).toBeUndefined();
  });
  it('finds the next local time in a zone, on allowed weekdays, across DST', () => {
    const now = new Date('2026-11-22T22:30:00Z'); // Sunday 23:30 in Paris (UTC+1)
    expect(nextLocalTime(now, '09:00', 'Europe/Paris').toISOString()).toBe('2026-11-23T08:00:00.000Z');
    expect(nextLocalTime(now, '09:00', 'Europe/Paris', ['wed']).toISOString()).toBe(
      '2026-11-25T08:00:00.000Z',
    );
    expect(nextLocalTime(new Date('2026-03-28T12:00:00Z'), '09:00', 'Europe/Paris').toISOString()).toBe(
      '2026-03-29T07:00:00.000Z',
    );
    expect(nextLocalTime(now, '09:00', 'America/New_York').toISOString()).toBe('2026-11-23T14:00:00.000Z');
  });
});
