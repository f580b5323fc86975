import { describe, expect, it } from 'vitest';
import { consentFromTraits } from './consent-traits.js';
import { correctedTimestamp } from './event-time.js';
import { identityKeysOf, normaliseEmail, normalisePhone, phoneCountry } from './identity-keys.js';
import { findUnstorableText } from './json-text.js';
import { classifySmsKeyword } from './sms-keywords.js';
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

describe('event time', () => {
  const receivedAt = new Date('2026-11-01T12:00:00Z');
  it('anchors the client gap between timestamp and sentAt to our receive time', () => {
    const corrected = correctedTimestamp({
      timestamp: new Date('2026-11-01T13:59:00Z'),
      sentAt: new Date('2026-11-01T14:00:00Z'),
      receivedAt,
    });
    expect(corrected.toISOString()).toBe('2026-11-01T11:59:00.000Z');
  });
  it('uses the timestamp as given without sentAt, and receive time without either', () => {
    const timestamp = new Date('2026-10-01T00:00:00Z');
    expect(correctedTimestamp({ timestamp, receivedAt })).toBe(timestamp);
    expect(correctedTimestamp({ receivedAt })).toBe(receivedAt);
  });
});

describe('consent traits and SMS keywords', () => {
  it('reads traits.consent', () => {
    expect(
      consentFromTraits({ consent: { email: true, sms: 'unsubscribed', push: 'maybe', fax: true } }),
    ).toEqual({
      email: 'subscribed',
      sms: 'unsubscribed',
    });
    expect(consentFromTraits({ consent: 'yes' })).toEqual({});
  });
  it('classifies Twilio keywords', () => {
    expect(classifySmsKeyword(' Stop ')).toBe('opt-out');
    expect(classifySmsKeyword('unsubscribe.')).toBe('opt-out');
    expect(classifySmsKeyword('start')).toBe('opt-in');
    expect(classifySmsKeyword('HELP')).toBe('help');
    expect(classifySmsKeyword('please stop sending')).toBeUndefined();
    expect(classifySmsKeyword('anything', 'STOP')).toBe('opt-out');
  });
});

describe('unstorable text', () => {
  it('names the path of a NUL or a lone surrogate', () => {
    expect(findUnstorableText({ a: [{ b: 'x\u0000' }] })).toEqual({
      path: 'a[0].b',
      message: 'contains a NUL character',
    });
    expect(findUnstorableText({ ok: '😀', bad: '\ud83d' })).toEqual({
      path: 'bad',
      message: 'contains an unpaired UTF-16 surrogate',
    });
    expect(findUnstorableText({ fine: ['😀', 1, null] })).toBeUndefined();
  });
});
