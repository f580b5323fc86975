import { describe, expect, it } from 'vitest';
import { channels, type Channel } from './channels.js';
import {
  afterChannelFailure,
  onOutageOf,
  consentRefusal,
  deliverMaxAttempts,
  outageAttemptsBeforeFallback,
  type ChannelFailureKind,
  decideDelivery,
  pausedRecheckMs,
  type ContactFacts,
  type CountedRow,
  type DecisionInput,
  type SendPolicy,
} from './delivery-decision.js';
import { defaultCaps } from './frequency-caps.js';
import { defaultQuietHours } from './quiet-hours.js';

const hour = 3_600_000;
const noon = new Date('2026-11-20T12:00:00Z');
/** 23:00 in Paris: inside the default quiet hours (21:00–09:00). */
const lateInParis = new Date('2026-11-20T22:00:00Z');

interface Case {
  policy?: Partial<SendPolicy>;
  contact?: Partial<ContactFacts>;
  recent?: Partial<CountedRow>[];
  runStatus?: string;
  goesOnInstead?: string;
  journeyPaused?: { recheckMs: number };
  at?: Date;
  configured?: Channel[];
  defaultTimeZone?: string;
}

const row = (extra: Partial<CountedRow>): CountedRow => ({
  channel: 'email',
  journeyId: 'other-journey',
  intentKey: 'other-intent',
  tags: [],
  createdAt: new Date(noon.getTime() - hour),
  ...extra,
});

const decide = (c: Case = {}) => {
  const input: DecisionInput = {
    policy: {
      channels: ['email'],
      intentKey: 'cart-reminder',
      category: 'marketing',
      tags: [],
      overCap: 'skip',
      quietHours: 'defer',
      dedupKey: 'run/step',
      journeyId: 'abandoned-cart',
      intentWindowMs: 24 * hour,
      ...c.policy,
    },
    contact: { consent: {}, noAddress: {}, timeZone: 'Europe/Paris', ...c.contact },
    recent: (c.recent ?? []).map(row),
    runStatus: 'runStatus' in c ? c.runStatus : 'running',
    goesOnInstead: c.goesOnInstead,
    journeyPaused: c.journeyPaused,
    at: c.at ?? noon,
    configured: new Set(c.configured ?? channels),
    caps: defaultCaps,
    quietHours: defaultQuietHours,
    defaultTimeZone: c.defaultTimeZone,
  };
  return decideDelivery(input);
};

/** Three marketing rows in the last day: the any-channel-per-day cap (3) is full. */
const capFull: Partial<CountedRow>[] = [{}, {}, {}];
const onSms: Case = { policy: { channels: ['sms'] } };
const smsConsent: Partial<ContactFacts> = { consent: { sms: 'subscribed' } };

describe('a paused journey', () => {
  it('holds the send (deferred, held) until the re-check, whatever else would allow it', () => {
    expect(decide({ journeyPaused: { recheckMs: 60_000 } })).toEqual({
      kind: 'defer',
      until: new Date(noon.getTime() + 60_000),
      reason: 'journey paused',
      held: true,
      capsHit: [],
    });
  });

  it('asks again after the minimum early in a pause, then a tenth of the pause, at most 15 minutes', () => {
    const minute = 60_000;
    expect(pausedRecheckMs(new Date(noon.getTime() - 5 * minute), noon, minute)).toBe(minute);
    expect(pausedRecheckMs(new Date(noon.getTime() - 60 * minute), noon, minute)).toBe(6 * minute);
    expect(pausedRecheckMs(new Date(noon.getTime() - 24 * hour), noon, minute)).toBe(15 * minute);
    expect(pausedRecheckMs(undefined, noon, minute)).toBe(minute);
  });

  it('does not hold a run that has ended: it is skipped as before', () => {
    expect(decide({ journeyPaused: { recheckMs: 60_000 }, runStatus: 'cancelled' })).toMatchObject({
      kind: 'skip',
    });
  });
});

describe('the send decision, rule by rule', () => {
  it.each<[string, Case, string]>([
    ['an ended run', { runStatus: 'exited' }, 'the run has ended (exited)'],
    ['a cancelled run', { runStatus: 'cancelled' }, 'the run has ended (cancelled)'],
    ['a run merged away', { runStatus: 'merged' }, 'the run has ended (merged)'],
    [
      'a run overtaken by an earlier run of its entry (a merge)',
      { goesOnInstead: 'run-1', recent: [] },
      'merged: run run-1 goes on for this customer',
    ],
    [
      'the same intent within its window, on any channel',
      { recent: [{ intentKey: 'cart-reminder', channel: 'push', journeyId: 'browse' }] },
      'intent "cart-reminder" already sent on push (browse)',
    ],
    [
      'the same intent from a row without journey or channel',
      { recent: [{ intentKey: 'cart-reminder', channel: null, journeyId: null }] },
      'intent "cart-reminder" already sent on null (no journey)',
    ],
    [
      'a channel without adapter',
      { configured: ['sms'] },
      'no channel allowed: email: no adapter configured',
    ],
    [
      'an unsubscribed channel',
      { contact: { consent: { email: 'unsubscribed' } } },
      'no channel allowed: email: email unsubscribed',
    ],
    ['SMS never asked (SMS needs an explicit opt-in)', onSms, 'no channel allowed: sms: no SMS consent'],
    [
      'SMS unsubscribed',
      { ...onSms, contact: { consent: { sms: 'unsubscribed' } } },
      'no channel allowed: sms: sms unsubscribed',
    ],
    [
      'no address on the channel',
      { policy: { channels: ['push'] }, contact: { noAddress: { push: 'no push subscription' } } },
      'no channel allowed: push: no push subscription',
    ],
    ['no channel listed', { policy: { channels: [] } }, 'no channel'],
    ['a full cap (skip)', { recent: capFull }, 'email: cap any-channel-per-day (3 per 24 h)'],
    [
      'a full SMS cap (skip)',
      { ...onSms, contact: smsConsent, recent: [{ channel: 'sms' }] },
      'sms: cap sms-per-day (1 per 24 h)',
    ],
    [
      'quiet hours (skip)',
      { at: lateInParis, policy: { quietHours: 'skip' } },
      'quiet hours 21:00–09:00 Europe/Paris',
    ],
  ])('skips on %s, with that reason', (_, c, reason) => {
    expect(decide(c)).toMatchObject({ kind: 'skip', reason });
  });

  it.each<[string, Case, Channel?]>([
    ['a running run', { runStatus: 'running' }],
    ['a run without a row yet', { runStatus: undefined }],
    [
      'the same intent outside its window',
      { recent: [{ intentKey: 'cart-reminder', createdAt: new Date(noon.getTime() - 25 * hour) }] },
    ],
    [
      'the same intent in a shorter window',
      { policy: { intentWindowMs: hour / 2 }, recent: [{ intentKey: 'cart-reminder' }] },
    ],
    ['email never asked (no opt-in needed)', { contact: { consent: { email: 'never_asked' } } }],
    ['SMS subscribed', { ...onSms, contact: smsConsent }, 'sms'],
    ['a full cap, transactional (exempt)', { policy: { category: 'transactional' }, recent: capFull }],
    [
      'caps counting rows without a channel: none',
      { recent: [{ channel: null }, { channel: null }, { channel: null }] },
    ],
    ['quiet hours, transactional (exempt)', { at: lateInParis, policy: { category: 'transactional' } }],
    ['daytime in the customer zone', { at: lateInParis, contact: { timeZone: 'America/New_York' } }],
  ])('sends on %s', (_, c, channel = 'email') => {
    expect(decide(c)).toEqual({ kind: 'send', channel, skippedChannels: [], capsHit: [] });
  });

  it('defers a capped send to when the oldest counted row leaves the window', () => {
    const oldest = new Date(noon.getTime() - 20 * hour);
    const decision = decide({ policy: { overCap: 'defer' }, recent: [{ createdAt: oldest }, {}, {}] });
    expect(decision).toEqual({
      kind: 'defer',
      until: new Date(oldest.getTime() + 24 * hour),
      reason: 'email: cap any-channel-per-day (3 per 24 h)',
      capsHit: ['any-channel-per-day'],
      rule: 'any-channel-per-day',
    });
  });

  it('defers a marketing send in quiet hours to their end, plus a jitter of under 30 minutes', () => {
    const decision = decide({ at: lateInParis });
    expect(decision).toMatchObject({
      kind: 'defer',
      reason: 'quiet hours 21:00–09:00 Europe/Paris',
      rule: 'quiet-hours',
    });
    const until = decision.kind === 'defer' ? decision.until.getTime() : 0;
    expect(until).toBeGreaterThanOrEqual(Date.parse('2026-11-21T08:00:00Z'));
    expect(until).toBeLessThan(Date.parse('2026-11-21T08:30:00Z'));
  });

  it('reads quiet hours in the default zone, else UTC, when the customer has none', () => {
    const at = new Date('2026-11-20T23:00:00Z');
    expect(decide({ at, contact: { timeZone: undefined } })).toMatchObject({
      kind: 'defer',
      reason: 'quiet hours 21:00–09:00 UTC',
    });
    expect(
      decide({ at, contact: { timeZone: undefined }, defaultTimeZone: 'America/Los_Angeles' }),
    ).toMatchObject({ kind: 'send' });
  });
});

describe('the send decision, channel order and fallback', () => {
  it('takes the first allowed channel and names every one passed over', () => {
    const decision = decide({
      policy: { channels: ['webhook', 'push', 'sms', 'email'] },
      configured: ['push', 'sms', 'email'],
      contact: { noAddress: { push: 'no push subscription' } },
    });
    expect(decision).toEqual({
      kind: 'send',
      channel: 'email',
      skippedChannels: [
        'webhook: no adapter configured',
        'push: no push subscription',
        'sms: no SMS consent',
      ],
      capsHit: [],
    });
  });

  it('lists every reason, in the step order, when no channel is allowed', () => {
    expect(
      decide({
        policy: { channels: ['push', 'email', 'sms'] },
        contact: { noAddress: { push: 'no push subscription', email: 'no reachable email address' } },
      }),
    ).toMatchObject({
      kind: 'skip',
      reason:
        'no channel allowed: push: no push subscription; email: no reachable email address; sms: no SMS consent',
    });
  });

  it('over a cap with nextChannel, tries the next channel and reports the cap it hit', () => {
    const policy: Partial<SendPolicy> = { channels: ['sms', 'email'], overCap: 'nextChannel' };
    expect(decide({ policy, contact: smsConsent, recent: [{ channel: 'sms' }] })).toEqual({
      kind: 'send',
      channel: 'email',
      skippedChannels: ['sms: cap sms-per-day (1 per 24 h)'],
      capsHit: ['sms-per-day'],
    });
    expect(decide({ policy, contact: smsConsent, recent: capFull })).toEqual({
      kind: 'skip',
      reason:
        'no channel allowed: sms: cap any-channel-per-day (3 per 24 h); email: cap any-channel-per-day (3 per 24 h)',
      capsHit: ['any-channel-per-day', 'any-channel-per-day'],
      rule: 'any-channel-per-day',
    });
  });

  it('over a cap with skip or defer, stops at that channel (no fallback)', () => {
    const policy: Partial<SendPolicy> = { channels: ['email', 'push'] };
    expect(decide({ policy, recent: capFull })).toMatchObject({
      kind: 'skip',
      capsHit: ['any-channel-per-day'],
    });
    expect(decide({ policy: { ...policy, overCap: 'defer' }, recent: capFull })).toMatchObject({
      kind: 'defer',
    });
  });

  it('in quiet hours, defers on the first allowed channel rather than falling back', () => {
    expect(decide({ at: lateInParis, policy: { channels: ['email', 'push'] } })).toMatchObject({
      kind: 'defer',
      reason: 'quiet hours 21:00–09:00 Europe/Paris',
    });
  });
});

describe('the send decision, which rule wins when several apply', () => {
  const everything: Case = {
    runStatus: 'exited',
    recent: [{ intentKey: 'cart-reminder' }, {}, {}],
    configured: [],
    contact: { consent: { email: 'unsubscribed' }, noAddress: { email: 'no reachable email address' } },
    at: lateInParis,
  };
  it.each<[string, Case, string]>([
    ['run status over intent', everything, 'the run has ended (exited)'],
    ['intent over the channel checks', { ...everything, runStatus: 'running' }, 'intent "cart-reminder"'],
    [
      'adapter over consent',
      { ...everything, runStatus: 'running', recent: [] },
      'no channel allowed: email: no adapter configured',
    ],
    [
      'consent over address',
      { ...everything, runStatus: 'running', recent: [], configured: ['email'] },
      'no channel allowed: email: email unsubscribed',
    ],
    [
      'opt-in over address',
      { ...onSms, contact: { noAddress: { sms: 'no reachable phone number' } } },
      'no channel allowed: sms: no SMS consent',
    ],
    [
      'address over caps',
      { recent: capFull, contact: { noAddress: { email: 'no reachable email address' } } },
      'no channel allowed: email: no reachable email address',
    ],
    ['caps over quiet hours', { recent: capFull, at: lateInParis }, 'email: cap any-channel-per-day'],
  ])('%s', (_, c, reason) => {
    const decision = decide(c);
    expect(decision.kind).toBe('skip');
    expect(decision.kind === 'skip' && decision.reason).toContain(reason);
  });
});

describe('consent per channel', () => {
  it.each<[Channel, string | undefined, string | undefined]>([
    ['email', undefined, undefined],
    ['email', 'never_asked', undefined],
    ['email', 'unsubscribed', 'email unsubscribed'],
    ['push', 'unsubscribed', 'push unsubscribed'],
    ['webhook', 'unsubscribed', 'webhook unsubscribed'],
    ['sms', undefined, 'no SMS consent'],
    ['sms', 'never_asked', 'no SMS consent'],
    ['sms', 'unsubscribed', 'sms unsubscribed'],
    ['sms', 'subscribed', undefined],
  ])('%s with consent %s: %s', (channel, consent, refusal) => {
    expect(consentRefusal(channel, consent)).toBe(refusal);
  });
});

describe('after a channel failed', () => {
  const after = (
    kind: ChannelFailureKind,
    attempt: number,
    onOutage: 'retry' | 'nextChannel',
    channelsLeft: number,
  ) => afterChannelFailure({ kind, attempt, onOutage, category: 'transactional', channelsLeft });

  it('retries a transient failure while attempts remain and no other channel is wanted', () => {
    expect(after('transient', 1, 'retry', 0)).toBe('retry');
    expect(after('transient', deliverMaxAttempts - 1, 'retry', 0)).toBe('retry');
    expect(after('transient', outageAttemptsBeforeFallback - 1, 'retry', 1)).toBe('retry');
  });

  it('falls back after the outage attempts, at once with nextChannel, and never retries the last attempt', () => {
    expect(after('transient', outageAttemptsBeforeFallback, 'retry', 1)).toBe('nextChannel');
    expect(after('transient', 1, 'nextChannel', 1)).toBe('nextChannel');
    expect(after('transient', deliverMaxAttempts, 'retry', 0)).toBe('fail');
    expect(after('transient', deliverMaxAttempts, 'retry', 2)).toBe('nextChannel');
  });

  it('unset, marketing falls back at once and transactional retries first', () => {
    const unset = (category: 'marketing' | 'transactional') =>
      afterChannelFailure({ kind: 'transient', attempt: 1, onOutage: undefined, category, channelsLeft: 1 });
    expect(unset('marketing')).toBe('nextChannel');
    expect(unset('transactional')).toBe('retry');
    expect(onOutageOf({ category: 'marketing', onOutage: 'retry' })).toBe('retry');
  });

  it('moves on at once from permanent failures and render errors', () => {
    for (const kind of ['permanent', 'unreachable', 'unsubscribed', 'render'] as const) {
      expect(after(kind, 1, 'retry', 1)).toBe('nextChannel');
      expect(after(kind, 1, 'retry', 0)).toBe('fail');
    }
  });
});
