import { describe, expect, it } from 'vitest';
import { evaluate } from './condition.js';
import { parseDuration } from './duration.js';
import { nextLocalTime } from './local-time.js';
import { chooseArm } from './split.js';

describe('split', () => {
  it('is deterministic per customer and within ±3 % of its ratios over 10,000 customers', () => {
    const arms = [
      { name: 'a', percent: 45 },
      { name: 'b', percent: 45 },
      { name: 'holdout', percent: 10 },
    ];
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const customer = `customer-${i}`;
      const arm = chooseArm(arms, 'journey/split-1', customer);
      expect(chooseArm(arms, 'journey/split-1', customer)).toBe(arm);
      counts.set(arm.name, (counts.get(arm.name) ?? 0) + 1);
    }
    for (const arm of arms) {
      const share = ((counts.get(arm.name) ?? 0) / 10_000) * 100;
      expect(Math.abs(share - arm.percent), `${arm.name}: ${share}%`).toBeLessThanOrEqual(3);
    }
  });

  it('assigns independently in different splits', () => {
    const arms = [
      { name: 'x', percent: 50 },
      { name: 'y', percent: 50 },
    ];
    let same = 0;
    for (let i = 0; i < 2_000; i++)
      if (chooseArm(arms, 's1', `c${i}`).name === chooseArm(arms, 's2', `c${i}`).name) same++;
    expect(same / 2_000).toBeGreaterThan(0.45);
    expect(same / 2_000).toBeLessThan(0.55);
  });
});

describe('conditions', () => {
  const context = {
    trigger: { properties: { cart_id: 'c1', total: '30' } },
    event: { properties: { cart_id: 'c1', tags: ['a', 'b'] } },
    profile: { orderCount: 2, traits: { plan: 'pro' } },
  };
  it('compares paths with literals and with other paths', () => {
    expect(
      evaluate(
        { path: 'event.properties.cart_id', op: 'eq', value: { ref: 'trigger.properties.cart_id' } },
        context,
      ),
    ).toBe(true);
    expect(evaluate({ path: 'profile.orderCount', op: 'gt', value: 1 }, context)).toBe(true);
    expect(evaluate({ path: 'trigger.properties.total', op: 'gte', value: 30 }, context)).toBe(true);
    expect(evaluate({ path: 'profile.traits.plan', op: 'in', value: ['free', 'pro'] }, context)).toBe(true);
    expect(evaluate({ path: 'event.properties.tags', op: 'contains', value: 'b' }, context)).toBe(true);
    expect(evaluate({ path: 'profile.traits.missing', op: 'exists' }, context)).toBe(false);
    expect(
      evaluate(
        {
          all: [
            { path: 'profile.orderCount', op: 'lt', value: 5 },
            { not: { path: 'profile.traits.plan', op: 'eq', value: 'free' } },
          ],
        },
        context,
      ),
    ).toBe(true);
    expect(evaluate({ any: [{ path: 'profile.orderCount', op: 'eq', value: 0 }] }, context)).toBe(false);
  });
  it('never reads inherited properties', () => {
    expect(evaluate({ path: 'profile.traits.constructor', op: 'exists' }, context)).toBe(false);
    expect(evaluate({ path: 'trigger.__proto__', op: 'exists' }, context)).toBe(false);
  });
});

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
