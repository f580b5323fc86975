import { describe, expect, it } from 'vitest';
import { identityKeysOf, normaliseEmail, normalisePhone, phoneCountry } from './identity-keys.js';

describe('identities', () => {
  it('normalises email and phone', () => {
    expect(normaliseEmail('  Ann@Example.COM ')).toBe('ann@example.com');
    expect(normaliseEmail('not an email')).toBeUndefined();
    expect(normalisePhone('+1 (415) 555-2671')).toBe('+14155552671');
    expect(normalisePhone('06 12 34 56 78', 'FR')).toBe('+33612345678');
    expect(normalisePhone('06 12 34 56 78')).toBeUndefined();
    expect(phoneCountry('+33612345678')).toBe('FR');
  });
  it('collects every identity a message names, once', () => {
    expect(
      identityKeysOf({
        userId: 'u',
        anonymousId: 'a',
        traits: { email: 'X@y.io' },
        context: { traits: { email: 'x@y.io', phone: '+14155552671' } },
      }),
    ).toEqual([
      { kind: 'user_id', value: 'u' },
      { kind: 'anonymous_id', value: 'a' },
      { kind: 'email', value: 'x@y.io' },
      { kind: 'phone', value: '+14155552671' },
    ]);
  });
});
