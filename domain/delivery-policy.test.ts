import { describe, expect, it } from 'vitest';
import { capHit, defaultCaps, type CountedDelivery } from './frequency-caps.js';
import { defaultQuietHours, quietUntil, zoneForCountry } from './quiet-hours.js';

const now = new Date('2026-11-22T12:00:00Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
const sent = (
  channel: CountedDelivery['channel'],
  h: number,
  extra: Partial<CountedDelivery> = {},
): CountedDelivery => ({
  channel,
  journeyId: 'j',
  tags: [],
  at: hoursAgo(h),
  ...extra,
});
const marketing = (channel: CountedDelivery['channel']) => ({
  channel,
  journeyId: 'j',
  tags: [],
  category: 'marketing' as const,
});

describe('frequency caps', () => {
  it('allows 3 marketing messages a day across channels, then says when the next fits', () => {
    const recent = [sent('email', 20), sent('push', 5), sent('email', 1)];
    const hit = capHit(defaultCaps, recent, marketing('push'), now);
    expect(hit?.rule.id).toBe('any-channel-per-day');
    expect(hit?.allowedAt.toISOString()).toBe(new Date(hoursAgo(20).getTime() + 86_400_000).toISOString());
    expect(capHit(defaultCaps, recent.slice(1), marketing('push'), now)).toBeUndefined();
    expect(
      capHit(defaultCaps, [sent('email', 25), sent('email', 30), sent('email', 40)], marketing('email'), now),
    ).toBeUndefined();
  });
  it('allows 1 SMS a day and 2 a week', () => {
    expect(capHit(defaultCaps, [sent('sms', 3)], marketing('sms'), now)?.rule.id).toBe('sms-per-day');
    expect(capHit(defaultCaps, [sent('sms', 30), sent('sms', 100)], marketing('sms'), now)?.rule.id).toBe(
      'sms-per-week',
    );
    expect(capHit(defaultCaps, [sent('sms', 30)], marketing('sms'), now)).toBeUndefined();
  });
  it('exempts transactional messages, which still count for others', () => {
    const recent = [sent('email', 1), sent('email', 2), sent('email', 3)];
    expect(
      capHit(defaultCaps, recent, { ...marketing('email'), category: 'transactional' }, now),
    ).toBeUndefined();
    expect(capHit(defaultCaps, recent, marketing('push'), now)).toBeDefined();
  });
  it('applies per-journey and per-tag rules only to their messages', () => {
    const rules = [
      { id: 'cart-journey', journeyId: 'cart', max: 1, windowMs: 86_400_000 },
      { id: 'incentives', tag: 'incentive', max: 1, windowMs: 7 * 86_400_000 },
    ];
    expect(
      capHit(
        rules,
        [sent('email', 1, { journeyId: 'cart' })],
        { ...marketing('email'), journeyId: 'cart' },
        now,
      ),
    ).toBeDefined();
    expect(
      capHit(
        rules,
        [sent('email', 1, { journeyId: 'cart' })],
        { ...marketing('email'), journeyId: 'other' },
        now,
      ),
    ).toBeUndefined();
    expect(
      capHit(
        rules,
        [sent('sms', 50, { tags: ['incentive'] })],
        { ...marketing('email'), tags: ['incentive'] },
        now,
      ),
    ).toBeDefined();
  });
});

describe('quiet hours', () => {
  it('is quiet from 21:00 to 09:00 local time, and says when it opens (with bounded jitter)', () => {
    const at2300Paris = new Date('2026-11-22T22:00:00Z');
    const opens = quietUntil(at2300Paris, 'Europe/Paris', defaultQuietHours, 'msg-1');
    expect(opens).toBeDefined();
    const opening = Date.parse('2026-11-23T08:00:00Z');
    expect(opens!.getTime()).toBeGreaterThanOrEqual(opening);
    expect(opens!.getTime()).toBeLessThan(opening + 30 * 60_000);
    expect(quietUntil(at2300Paris, 'Europe/Paris', defaultQuietHours, 'msg-1')).toEqual(opens);
    expect(
      quietUntil(new Date('2026-11-22T12:00:00Z'), 'Europe/Paris', defaultQuietHours, 'm'),
    ).toBeUndefined();
    expect(quietUntil(new Date('2026-11-22T12:00:00Z'), 'Asia/Tokyo', defaultQuietHours, 'm')).toBeDefined(); // 21:00 in Tokyo
  });
  it('spreads releases over the jitter window', () => {
    const at = new Date('2026-11-22T23:00:00Z');
    const releases = new Set(
      Array.from({ length: 50 }, (_, i) => quietUntil(at, 'UTC', defaultQuietHours, `m${i}`)!.getTime()),
    );
    expect(releases.size).toBeGreaterThan(40);
  });
  it('guesses a zone from the phone number country', () => {
    expect(zoneForCountry('FR')).toBe('Europe/Paris');
    expect(zoneForCountry('ZZ')).toBeUndefined();
  });
});
