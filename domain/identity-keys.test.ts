import { describe, expect, it } from 'vitest';
import {
  hasExtension,
  identityKeysOf,
  normaliseEmail,
  normalisePhone,
  phoneCountry,
} from './identity-keys.js';

describe('identities', () => {
  it('normalises email and phone', () => {
    expect(normaliseEmail('  Ann@Example.COM ')).toBe('ann@example.com');
    expect(normaliseEmail('not an email')).toBeUndefined();
    expect(normalisePhone('+1 (415) 555-2671')).toBe('+14155552671');
    expect(normalisePhone('06 12 34 56 78', 'FR')).toBe('+33612345678');
    expect(normalisePhone('06 12 34 56 78')).toBeUndefined();
    expect(phoneCountry('+33612345678')).toBe('FR');
  });
  it('normalises every spelling of one email address to one identity', () => {
    const variants = [
      'joe@example.com',
      'ｊｏｅ＠ｅｘａｍｐｌｅ．ｃｏｍ',
      'ＪＯＥ＠ＥＸＡＭＰＬＥ．ＣＯＭ',
      'joe@example.com.',
      ' Joe@Example.COM. ',
      '\u3000joe@example.com\u3000',
    ];
    expect(variants.map((variant) => normaliseEmail(variant))).toEqual(variants.map(() => 'joe@example.com'));
    expect(normaliseEmail('joe@example.com..')).toBeUndefined();
    expect(normaliseEmail('joe@example..com')).toBeUndefined();
    expect(normaliseEmail('joe@.com')).toBeUndefined();
    expect(normaliseEmail('joe@example')).toBeUndefined();
  });
  it('keeps a phone extension, so two people behind one switchboard stay two identities', () => {
    expect(normalisePhone('+1 415 555 2671 ext. 12')).toBe('+14155552671;ext=12');
    expect(normalisePhone('tel:+1-415-555-2671;ext=12')).toBe('+14155552671;ext=12');
    expect(normalisePhone('(415) 555-2671 x13', 'US')).toBe('+14155552671;ext=13');
    expect(normalisePhone('+1 415 555 2671 ext. 12')).not.toBe(normalisePhone('+1 415 555 2671 ext. 13'));
    expect(normalisePhone('+1 415 555 2671 ext. 12')).not.toBe(normalisePhone('+1 415 555 2671'));
    expect(normalisePhone('＋１ ４１５ ５５５ ２６７１')).toBe('+14155552671');
    expect(hasExtension('+14155552671;ext=12')).toBe(true);
    expect(hasExtension('+14155552671')).toBe(false);
    expect(phoneCountry('+14155552671;ext=12')).toBe('US');
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
