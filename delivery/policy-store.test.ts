import { describe, expect, it } from 'vitest';
import { checkPolicy } from '../domain/delivery-policy-file.js';
import { defaultPolicyRules } from '../domain/delivery-policy.js';
import { policyCache, policyVersion } from './policy-store.js';

const policyOf = (data: unknown) => {
  const checked = checkPolicy(data);
  if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
  return checked.policy;
};

describe('policy versions and the per-send cache', () => {
  it('versions by content, whatever the key order', () => {
    const a = policyOf({ caps: [{ id: 'a', max: 1, window: '1d' }] });
    const b = policyOf({ caps: [{ window: '1d', max: 1, id: 'a' }] });
    expect(policyVersion(a)).toBe(policyVersion(b));
    expect(policyVersion(a)).toMatch(/^[0-9a-f]{12}$/);
    expect(policyVersion(policyOf({ caps: [{ id: 'a', max: 2, window: '1d' }] }))).not.toBe(policyVersion(a));
  });

  it('follows the version read, back to the defaults when none is deployed, with the horizon of the last seen', () => {
    const cache = policyCache(defaultPolicyRules);
    expect(cache.horizonMs()).toBe(7 * 86_400_000);
    const monthly = policyOf({ caps: [{ id: 'monthly', max: 1, window: '30d' }] });
    const rules = cache.rulesOf({ version: policyVersion(monthly), document: monthly });
    expect(rules.caps.map((cap) => cap.id)).toEqual(['monthly']);
    expect(cache.horizonMs()).toBe(30 * 86_400_000);
    expect(cache.rulesOf(undefined)).toBe(defaultPolicyRules);
  });
});
