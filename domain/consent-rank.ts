import type { Channel } from './channels.js';
import type { ConsentStatus } from './consent-traits.js';

/**
 * Who stands behind a consent decision, weakest first. A higher rank beats a lower one whatever
 * the times; within a rank the newest decision wins, and on the same instant an unsubscribe wins.
 * The numbers are only compared, never stored: `setConsent` ranks the stored row's source in SQL.
 */
export const consentRanks = {
  /** A source this table does not know (an old row, a typo): beaten by everything. */
  unknown: 0,
  /** Consent traits in an identify from a browser or app (anyone holding the write key). */
  clientTraits: 10,
  /** Consent traits in an identify from the client's own servers (not told apart from client yet). */
  serverTraits: 20,
  /** The customer themselves, an admin, or a provider reporting the customer's refusal. */
  own: 30,
} as const;

export type ConsentRank = (typeof consentRanks)[keyof typeof consentRanks];

/** Every source string written to `consents.source`; a new one gets a rank below or it does not compile. */
export type ConsentSource =
  | 'identify'
  | 'identify:client'
  | 'identify:server'
  | 'admin'
  | 'one-click'
  | 'push-subscription'
  | 'twilio:21610'
  | `sms-keyword:${string}`
  | `provider:${Channel}`;

/** Sources matched whole. */
export const exactSourceRanks = {
  // Today's ingest cannot tell a browser's identify from a server's: it gets the weaker rank.
  identify: consentRanks.clientTraits,
  'identify:client': consentRanks.clientTraits,
  'identify:server': consentRanks.serverTraits,
  admin: consentRanks.own,
  // RFC 8058 one-click unsubscribe from a message's link.
  'one-click': consentRanks.own,
  // The browser's permission prompt, granted by the customer.
  'push-subscription': consentRanks.own,
  // Twilio reports the number has opted out (error 21610).
  'twilio:21610': consentRanks.own,
} as const satisfies Record<string, ConsentRank>;

/** Sources matched by their start: `sms-keyword:STOP`, `provider:push` (a 404/410 from the push service). */
export const prefixSourceRanks = {
  'sms-keyword:': consentRanks.own,
  'provider:': consentRanks.own,
} as const satisfies Record<string, ConsentRank>;

/** The rank of a source string; an unknown source ranks lowest. */
export function consentRank(source: string): ConsentRank {
  if (Object.hasOwn(exactSourceRanks, source))
    return exactSourceRanks[source as keyof typeof exactSourceRanks];
  for (const [prefix, rank] of Object.entries(prefixSourceRanks)) {
    if (source.startsWith(prefix)) return rank;
  }
  return consentRanks.unknown;
}

export interface ConsentDecision {
  source: string;
  status: ConsentStatus;
  at: Date;
}

/**
 * Whether `incoming` replaces `standing`: rank first, then the newer time, then unsubscribe on a tie.
 * One exception, because consent wins: a newer unsubscribe is never ignored, whatever its rank (a
 * shop's own preference centre reports opt-outs through identify). Ranks protect opt-outs, never
 * overrule them.
 */
export function prevails(incoming: ConsentDecision, standing: ConsentDecision): boolean {
  const incomingTime = incoming.at.getTime();
  const standingTime = standing.at.getTime();
  if (incoming.status === 'unsubscribed' && standing.status === 'subscribed' && incomingTime > standingTime)
    return true;
  const incomingRank = consentRank(incoming.source);
  const standingRank = consentRank(standing.source);
  if (incomingRank !== standingRank) return incomingRank > standingRank;
  if (incomingTime !== standingTime) return incomingTime > standingTime;
  return incoming.status === 'unsubscribed';
}
