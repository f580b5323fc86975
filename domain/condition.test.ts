import { describe, expect, it } from 'vitest';
import { evaluate } from './condition.js';

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
