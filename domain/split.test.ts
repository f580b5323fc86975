import { describe, expect, it } from 'vitest';
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
