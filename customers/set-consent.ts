import { sql } from 'drizzle-orm';
import type { Channel } from '../domain/channels.js';
import type { ConsentStatus } from '../domain/consent-traits.js';
import { consents } from '../db/schema.js';
import type { Queryable } from '../db/queryable.js';

/**
 * Records a consent decision. A decision older than the one stored is ignored (events can arrive
 * late); on the same instant an unsubscribe wins. Returns true when the stored state changed.
 */
export async function setConsent(
  db: Queryable,
  input: { customerId: string; channel: Channel; status: ConsentStatus; source: string; at: Date },
): Promise<boolean> {
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
      setWhere: sql`${consents.updatedAt} < ${input.at.toISOString()}::timestamptz
        or (${consents.updatedAt} = ${input.at.toISOString()}::timestamptz and ${input.status} = 'unsubscribed')`,
    })
    .returning({ status: consents.status });
  return rows.length > 0;
}
