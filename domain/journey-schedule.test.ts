import { describe, expect, it } from 'vitest';
import {
  nextFire,
  nextOccurrence,
  occurrenceKey,
  scheduleOver,
  scheduleProblem,
} from './journey-schedule.js';

const zones = ['America/New_York', 'Europe/Paris', 'Asia/Tokyo'];

describe('journey schedules', () => {
  it('fires 10:00 in each zone, earliest first, once per zone per day', () => {
    const daily = { schedule: '0 10 * * *', timeZone: 'customer' };
    let after = new Date('2026-12-06T00:30:00Z');
    const fires: string[] = [];
    for (let i = 0; i < 6; i++) {
      const fire = nextFire(daily, zones, after);
      if (!fire) throw new Error('no fire');
      fires.push(`${fire.at.toISOString()} ${fire.zones.join(',')}`);
      after = fire.at;
    }
    expect(fires).toEqual([
      '2026-12-06T01:00:00.000Z Asia/Tokyo',
      '2026-12-06T09:00:00.000Z Europe/Paris',
      '2026-12-06T15:00:00.000Z America/New_York',
      '2026-12-07T01:00:00.000Z Asia/Tokyo',
      '2026-12-07T09:00:00.000Z Europe/Paris',
      '2026-12-07T15:00:00.000Z America/New_York',
    ]);
  });

  it('fires once for zones that share the instant, and in one fixed zone whatever the members', () => {
    const fire = nextFire(
      { schedule: '0 10 * * *', timeZone: 'customer' },
      ['Europe/Paris', 'Europe/Berlin'],
      new Date('2026-12-06T00:00:00Z'),
    );
    expect(fire).toEqual({ at: new Date('2026-12-06T09:00:00Z'), zones: ['Europe/Berlin', 'Europe/Paris'] });
    const fixed = nextFire(
      { schedule: '0 10 * * *', timeZone: 'Asia/Tokyo' },
      ['Europe/Paris'],
      new Date('2026-12-06T00:00:00Z'),
    );
    expect(fixed).toEqual({ at: new Date('2026-12-06T01:00:00Z'), zones: ['Asia/Tokyo'] });
    expect(nextFire({ schedule: '0 10 * * *', timeZone: 'customer' }, [], new Date())).toBeUndefined();
  });

  it('keeps local time across a DST change', () => {
    // Paris goes from UTC+2 to UTC+1 on 2026-10-25.
    const before = nextOccurrence('0 10 * * *', 'Europe/Paris', new Date('2026-10-24T00:00:00Z'));
    const after = nextOccurrence('0 10 * * *', 'Europe/Paris', new Date('2026-10-25T00:00:00Z'));
    expect(before?.toISOString()).toBe('2026-10-24T08:00:00.000Z');
    expect(after?.toISOString()).toBe('2026-10-25T09:00:00.000Z');
  });

  it('reads a date-time as a local wall time, or as one instant with an offset; a past one never fires', () => {
    const now = new Date('2026-12-01T00:00:00Z');
    expect(nextOccurrence('2026-12-24T10:00', 'Asia/Tokyo', now)?.toISOString()).toBe(
      '2026-12-24T01:00:00.000Z',
    );
    expect(nextOccurrence('2026-12-24T10:00Z', 'Asia/Tokyo', now)?.toISOString()).toBe(
      '2026-12-24T10:00:00.000Z',
    );
    expect(nextOccurrence('2026-11-24T10:00', 'Asia/Tokyo', now)).toBeUndefined();
  });

  it('names the occurrence by its local wall time', () => {
    expect(occurrenceKey(new Date('2026-12-06T15:00:00Z'), 'America/New_York')).toBe('2026-12-06T10:00');
    expect(occurrenceKey(new Date('2026-12-06T15:00:00Z'), 'Asia/Tokyo')).toBe('2026-12-07T00:00');
  });

  it('knows when a one-off date has passed in every zone; a cron never ends', () => {
    expect(scheduleOver('2026-12-24T10:00', new Date('2026-12-24T22:59:00Z'))).toBe(false);
    expect(scheduleOver('2026-12-24T10:00', new Date('2026-12-24T23:00:00Z'))).toBe(true);
    expect(scheduleOver('2026-12-24T10:00Z', new Date('2026-12-24T10:00:00Z'))).toBe(true);
    expect(scheduleOver('0 10 * * *', new Date('2099-01-01T00:00:00Z'))).toBe(false);
  });

  it('says what is wrong with a schedule', () => {
    expect(scheduleProblem('0 10 * * *')).toBeUndefined();
    expect(scheduleProblem('2026-12-24T10:00')).toBeUndefined();
    expect(scheduleProblem('0 10 * *')).toMatch(/has 4 field\(s\): a cron expression has 5/);
    expect(scheduleProblem('0 25 * * *')).toMatch(/not a cron expression: .*25/);
    expect(scheduleProblem('2026-13-40T10:00')).toMatch(/not an ISO date-time/);
  });
});
