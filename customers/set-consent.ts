import { and, eq, sql } from 'drizzle-orm';
import type { Channel } from '../domain/channels.js';
import { consentRank, type ConsentSource } from '../domain/consent-rank.js';
import type { ConsentStatus } from '../domain/consent-traits.js';
import { consents } from '../db/schema.js';
import type { Queryable } from '../db/queryable.js';
import { prevailsSql, sourceRankSql } from './consent-rank-sql.js';

export interface ConsentInput {
  customerId: string;
  channel: Channel;
  status: ConsentStatus;
  source: ConsentSource;
  at: Date;
}

/** The decision that stands and kept a new one from taking effect. */
export interface StandingDecision {
  source: string;
  status: (typeof consents.$inferSelect)['status'];
  at: Date;
}

export type ConsentOutcome =
  { changed: true } | { changed: false; overruledBy: StandingDecision; reason: string };

/**
 * Records a consent decision unless a stronger one stands (domain/consent-rank.ts): a higher-ranked
 * source wins whatever the times (the customer's own or an admin's over identify traits); within a
 * rank the newer wins (events can arrive late) and on the same instant an unsubscribe wins. The
 * comparison happens in the upsert itself, so concurrent decisions cannot interleave.
 */
export async function setConsent(db: Queryable, input: ConsentInput): Promise<ConsentOutcome> {
  for (let attempt = 0; ; attempt++) {
    const at = sql`${input.at.toISOString()}::timestamptz`;
    const rows = await db
      .insert(consents)
      .values({
        customerId: input.customerId,
        channel: input.channel,
        status: input.status,
        source: input.source,
        updatedAt: input.at,
      })
      .onConflictDoUpdate({
        target: [consents.customerId, consents.channel],
        set: { status: input.status, source: input.source, updatedAt: input.at },
        setWhere: prevailsSql(
          { rank: sql`${consentRank(input.source)}::int`, at, status: sql`${input.status}::text` },
          {
            rank: sourceRankSql(sql`${consents.source}`),
            at: sql`${consents.updatedAt}`,
            status: sql`${consents.status}`,
          },
        ),
      })
      .returning({ status: consents.status });
    if (rows.length > 0) return { changed: true };
    const [standing] = await db
      .select({ source: consents.source, status: consents.status, at: consents.updatedAt })
      .from(consents)
      .where(and(eq(consents.customerId, input.customerId), eq(consents.channel, input.channel)));
    // The standing row vanished between the two statements (a merge moved it): decide again.
    if (standing) return { changed: false, overruledBy: standing, reason: overruleReason(standing) };
    if (attempt > 0) throw new Error(`consent for ${input.customerId}/${input.channel} keeps vanishing`);
  }
}

export function overruleReason(standing: StandingDecision): string {
  return `overruled by ${standing.source} at ${standing.at.toISOString()}`;
}

/**
 * The customer's own unsubscribe (one-click link, SMS STOP), which must land. Nothing from an
 * identify can stop it (it outranks them); a decision of the same rank dated later (another
 * server's clock) is met at its own instant, where an unsubscribe wins.
 */
export async function withdrawConsent(
  db: Queryable,
  input: Omit<ConsentInput, 'status'>,
): Promise<ConsentOutcome> {
  const outcome = await setConsent(db, { ...input, status: 'unsubscribed' });
  if (outcome.changed || outcome.overruledBy.status === 'unsubscribed') return outcome;
  return setConsent(db, { ...input, status: 'unsubscribed', at: outcome.overruledBy.at });
}
