import { describe, expect, it } from 'vitest';
import { combineTraits, mergeTraits } from './traits.js';

describe('traits', () => {
  it('a late event never overwrites a newer value', () => {
    const t1 = new Date('2026-11-01T10:00:00Z');
    const t0 = new Date('2026-11-01T09:00:00Z');
    let s = mergeTraits({ traits: {}, traitTimes: {} }, { name: 'New', plan: 'pro' }, t1);
    s = mergeTraits(s, { name: 'Old', city: 'Lyon' }, t0);
    expect(s.traits).toEqual({ name: 'New', plan: 'pro', city: 'Lyon' });
  });
  it('combining two profiles keeps the newest value per key', () => {
    const a = { traits: { name: 'A', x: 1 }, traitTimes: { name: '2026-01-02', x: '2026-01-01' } };
    const b = { traits: { name: 'B', x: 2 }, traitTimes: { name: '2026-01-01', x: '2026-01-03' } };
    expect(combineTraits(a, b).traits).toEqual({ name: 'A', x: 2 });
  });
});
