import type { Channel, MessageCategory } from './channels.js';

/**
 * Frequency caps: limits on deliveries per customer in rolling windows, across every channel and
 * journey. Pure: the delivery pipeline loads the customer's recent ledger rows and asks here.
 */
export interface CapRule {
  id: string;
  max: number;
  windowMs: number;
  /** Unset: every channel. */
  channel?: Channel;
  /** Unset: every journey. */
  journeyId?: string;
  /** Unset: any message; set: only messages with this tag. */
  tag?: string;
  /** Which messages it limits: marketing ones unless set (transactional ones are exempt by default). */
  category?: MessageCategory;
}

const day = 86_400_000;

/** Defaults: 3 marketing messages a day across channels, 1 SMS a day, 2 SMS a week. */
export const defaultCaps: CapRule[] = [
  { id: 'any-channel-per-day', max: 3, windowMs: day },
  { id: 'sms-per-day', channel: 'sms', max: 1, windowMs: day },
  { id: 'sms-per-week', channel: 'sms', max: 2, windowMs: 7 * day },
];

/** A ledger row as caps see it: only rows that went (or may have gone) out count. */
export interface CountedDelivery {
  channel: Channel;
  journeyId: string | null;
  tags: string[];
  at: Date;
}

interface CapCandidate {
  channel: Channel;
  journeyId: string | null;
  tags: string[];
  category: MessageCategory;
}

interface CapHit {
  rule: CapRule;
  /** When the oldest counted delivery leaves the window, making room for one more. */
  allowedAt: Date;
}

function applies(rule: CapRule, d: { channel: Channel; journeyId: string | null; tags: string[] }): boolean {
  return (
    (rule.channel === undefined || rule.channel === d.channel) &&
    (rule.journeyId === undefined || rule.journeyId === d.journeyId) &&
    (rule.tag === undefined || d.tags.includes(rule.tag))
  );
}

/**
 * The first rule this send would break, or undefined. A rule limits the messages of its category
 * (marketing unless set: transactional messages are exempt from caps unless one names them), but
 * every counted row counts toward it, whatever its category.
 */
export function capHit(
  rules: readonly CapRule[],
  recent: readonly CountedDelivery[],
  candidate: CapCandidate,
  now: Date,
): CapHit | undefined {
  for (const rule of rules) {
    if ((rule.category ?? 'marketing') !== candidate.category || !applies(rule, candidate)) continue;
    const since = now.getTime() - rule.windowMs;
    const inWindow = recent
      .filter((d) => d.at.getTime() > since && applies(rule, d))
      .map((d) => d.at.getTime())
      .sort((a, b) => a - b);
    if (inWindow.length >= rule.max) {
      const oldestThatMustLeave = inWindow[inWindow.length - rule.max] ?? now.getTime();
      return { rule, allowedAt: new Date(oldestThatMustLeave + rule.windowMs) };
    }
  }
  return undefined;
}

/** The longest window of any rule: how far back the ledger must be read. */
export function capHorizonMs(rules: readonly CapRule[]): number {
  return rules.reduce((max, rule) => Math.max(max, rule.windowMs), 0);
}
