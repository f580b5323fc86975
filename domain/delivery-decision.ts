import { channelTable, type Channel, type ChannelFacts } from './channels.js';
import type { ConsentStatus } from './consent-traits.js';
import { capHit, type CapRule } from './frequency-caps.js';
import type { SendStep } from './journey-definition.js';
import { quietHoursOn, quietUntil, type QuietHours } from './quiet-hours.js';

/** The deliver activity's attempts (its retry policy's `maximumAttempts`). */
export const deliverMaxAttempts = 10;

/**
 * Attempts a transient failure gets on one channel before a send that has another channel left
 * falls back to it (`onOutage: 'retry'`; `nextChannel` falls back at once).
 */
export const outageAttemptsBeforeFallback = 3;

/**
 * A row still `reserved` or `sending` this long after its reservation stops counting toward caps
 * and intents: the deliver activity's retries (at most 10 attempts of 2 minutes) are over by then.
 */
export const unfinishedRowCountsForMs = 30 * 60_000;

/** How a channel's failure was classified: the provider's kinds, and a template that did not render. */
export type ChannelFailureKind = 'transient' | 'permanent' | 'unreachable' | 'unsubscribed' | 'render';

/**
 * What a send does after its channel failed: retry the same channel (the activity's backoff), go
 * to the next listed channel, or end the step as failed. Transient failures retry, unless another
 * channel is left and the send's `onOutage` is `nextChannel` or the channel had its attempts; the
 * last attempt never retries. Every other kind goes on at once.
 */
export function afterChannelFailure(input: {
  kind: ChannelFailureKind;
  attempt: number;
  onOutage: SendStep['onOutage'];
  category: SendStep['category'];
  channelsLeft: number;
}): 'retry' | 'nextChannel' | 'fail' {
  const onward = input.channelsLeft > 0 ? 'nextChannel' : 'fail';
  if (input.kind !== 'transient' || input.attempt >= deliverMaxAttempts) return onward;
  if (
    input.channelsLeft > 0 &&
    (onOutageOf(input) === 'nextChannel' || input.attempt >= outageAttemptsBeforeFallback)
  )
    return 'nextChannel';
  return 'retry';
}

/** A send's outage policy: as set, else `nextChannel` for marketing and `retry` for the rest. */
export function onOutageOf(step: Pick<SendStep, 'onOutage' | 'category'>): 'retry' | 'nextChannel' {
  return step.onOutage ?? (step.category === 'marketing' ? 'nextChannel' : 'retry');
}

/** The ledger reason of a send held because its journey is paused (admin API). */
export const journeyPausedReason = 'journey paused';

/** How long a held send waits before asking again, unless set (the pipeline's `pausedRecheckMs`). */
export const defaultPausedRecheckMs = 60_000;

/** The longest wait of a held send: a resume is picked up within this, however long the pause. */
export const maxPausedRecheckMs = 15 * 60_000;

/**
 * When a held send asks again: after `minMs` early in a pause, then a tenth of the time paused so
 * far, at most 15 minutes. A resume is seen soon after a short pause, and a long pause writes a
 * few ledger rows per run an hour, not one a minute.
 */
export function pausedRecheckMs(pausedAt: Date | undefined, at: Date, minMs: number): number {
  const paused = pausedAt ? Math.max(0, at.getTime() - pausedAt.getTime()) : 0;
  return Math.max(minMs, Math.min(maxPausedRecheckMs, Math.round(paused / 10)));
}

/** How long one intent is not repeated when the send step names no window. */
export const defaultIntentWindowMs = 86_400_000;

/** What the send step asks for, as the decision reads it (the intent window already resolved). */
export type SendPolicy = Pick<
  SendStep,
  'channels' | 'intentKey' | 'category' | 'tags' | 'overCap' | 'quietHours'
> & {
  /** Unique per (run, step); also spreads quiet-hours releases. */
  dedupKey: string;
  journeyId: string;
  intentWindowMs: number;
};

/** What the decision knows of the customer, per channel. */
export interface ContactFacts {
  consent: Partial<Record<Channel, ConsentStatus | 'never_asked'>>;
  /** Why a channel has no address for this customer ("no push subscription"); absent: it has one. */
  noAddress: Partial<Record<Channel, string>>;
  /** Profile zone, else the phone number's country; undefined: the default zone applies. */
  timeZone: string | undefined;
}

/** A ledger row that counts toward caps and intents (one that went out, or may have). */
export interface CountedRow {
  channel: Channel | null;
  journeyId: string | null;
  intentKey: string | null;
  tags: string[];
  createdAt: Date;
}

export interface DecisionInput {
  policy: SendPolicy;
  contact: ContactFacts;
  /** The customer's counted ledger rows within the longest cap window and the intent window. */
  recent: readonly CountedRow[];
  /** The run's status in the ledger of runs; undefined when it has no row yet. */
  runStatus: string | undefined;
  /**
   * Another running run of the same journey, customer and entry key that started before this one
   * (two customers merged): it goes on, and this one sends nothing more.
   */
  goesOnInstead?: string;
  /** Set while the run's journey is paused: the send is held, asked again after `recheckMs`. */
  journeyPaused?: { recheckMs: number };
  at: Date;
  /** Channels that have an adapter. */
  configured: ReadonlySet<Channel>;
  caps: readonly CapRule[];
  quietHours: QuietHours;
  /** Zone for customers whose profile and phone say nothing (default UTC). */
  defaultTimeZone?: string;
}

/**
 * Every decision names the cap rules it hit on the way (the caller counts them); a skip or defer
 * by a cap or quiet hours names that policy rule's id (the ledger's `rule`).
 */
export type Decision = { capsHit: string[] } & (
  | { kind: 'send'; channel: Channel; skippedChannels: string[] }
  | { kind: 'skip'; reason: string; rule?: string }
  | { kind: 'defer'; until: Date; reason: string; held?: true; rule?: string }
);

/**
 * Why consent rules a channel out, or undefined when it allows it. Consent wins over everything:
 * an unsubscribed channel is never used; an opt-in channel (SMS) needs an explicit subscription.
 */
export function consentRefusal(channel: Channel, consent: string | undefined): string | undefined {
  const facts: ChannelFacts = channelTable[channel];
  if (consent === 'unsubscribed') return `${channel} unsubscribed`;
  if (facts.consent === 'opt-in' && consent !== 'subscribed') return `no ${facts.label ?? channel} consent`;
  return undefined;
}

/**
 * The send decision, over data read under the customer's lock: run still wanted (not ended, not
 * overtaken by an earlier run of its entry after a merge) → journey not paused (else held) → intent dedup →
 * then per channel in the step's order: adapter → consent → address → caps → quiet hours. A
 * channel ruled out by the first three (or by a cap under `nextChannel`) falls back to the next.
 */
export function decideDelivery(input: DecisionInput): Decision {
  const { policy, at } = input;
  if (input.runStatus && input.runStatus !== 'running')
    return { kind: 'skip', reason: `the run has ended (${input.runStatus})`, capsHit: [] };
  if (input.goesOnInstead)
    return {
      kind: 'skip',
      reason: `merged: run ${input.goesOnInstead} goes on for this customer`,
      capsHit: [],
    };
  if (input.journeyPaused)
    return {
      kind: 'defer',
      until: new Date(at.getTime() + input.journeyPaused.recheckMs),
      reason: journeyPausedReason,
      held: true,
      capsHit: [],
    };
  const sameIntent = input.recent.find(
    (d) => d.intentKey === policy.intentKey && d.createdAt.getTime() > at.getTime() - policy.intentWindowMs,
  );
  if (sameIntent)
    return {
      kind: 'skip',
      reason: `intent "${policy.intentKey}" already sent on ${sameIntent.channel} (${sameIntent.journeyId ?? 'no journey'})`,
      capsHit: [],
    };

  const counted = input.recent.flatMap((d) =>
    d.channel === null ? [] : [{ channel: d.channel, journeyId: d.journeyId, tags: d.tags, at: d.createdAt }],
  );
  const reasons: string[] = [];
  const capsHit: string[] = [];
  for (const channel of policy.channels) {
    const refused = input.configured.has(channel)
      ? (consentRefusal(channel, input.contact.consent[channel]) ?? input.contact.noAddress[channel])
      : 'no adapter configured';
    if (refused !== undefined) {
      reasons.push(`${channel}: ${refused}`);
      continue;
    }
    const candidate = { channel, journeyId: policy.journeyId, tags: policy.tags, category: policy.category };
    const hit = capHit(input.caps, counted, candidate, at);
    if (hit) {
      capsHit.push(hit.rule.id);
      const reason = `${channel}: cap ${hit.rule.id} (${hit.rule.max} per ${Math.round(hit.rule.windowMs / 3_600_000)} h)`;
      if (policy.overCap === 'nextChannel') {
        reasons.push(reason);
        continue;
      }
      const rule = hit.rule.id;
      if (policy.overCap === 'defer') return { kind: 'defer', until: hit.allowedAt, reason, capsHit, rule };
      return { kind: 'skip', reason, capsHit, rule };
    }
    if (policy.category === 'marketing') {
      const zone = input.contact.timeZone ?? input.defaultTimeZone ?? 'UTC';
      const quiet = quietHoursOn(input.quietHours, channel);
      const opens = quietUntil(at, zone, quiet, policy.dedupKey);
      if (opens) {
        const reason = `quiet hours ${quiet.start}–${quiet.end} ${zone}`;
        if (policy.quietHours === 'skip') return { kind: 'skip', reason, capsHit, rule: quiet.id };
        return { kind: 'defer', until: opens, reason, capsHit, rule: quiet.id };
      }
    }
    return { kind: 'send', channel, skippedChannels: reasons, capsHit };
  }
  const reason = reasons.length > 0 ? `no channel allowed: ${reasons.join('; ')}` : 'no channel';
  // Every channel ruled out, a cap among the reasons (under `nextChannel`): the ledger names it.
  return { kind: 'skip', reason, capsHit, ...(capsHit[0] ? { rule: capsHit[0] } : {}) };
}
