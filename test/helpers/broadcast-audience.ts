import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { segmentVersions } from '../../db/schema.js';
import { deployPolicy } from '../../delivery/policy-store.js';
import { zoneWhereItIs } from '../../domain/local-time.js';

/**
 * A segment's audience written straight into PostgreSQL (the segments helper's evaluation is not
 * under test here): `count` customers with a verified email, members of `segmentId`, in four groups
 * by index: every 10th (i % 10 = 1) unsubscribed from email, i % 10 = 2 already at the deployed
 * policy's cap (`two-a-day`: two marketing emails sent in the last hours), i % 10 = 3 in a zone where
 * it is 03:00 (quiet hours), the rest in a zone where it is 13:00. Set-based: 20,000 in seconds.
 */
export type AudienceGroup = 'plain' | 'unsubscribed' | 'capped' | 'quiet';

export const groupOf = (i: number): AudienceGroup =>
  (['plain', 'unsubscribed', 'capped', 'quiet'] as const)[[0, 1, 2, 3].includes(i % 10) ? i % 10 : 0] ??
  'plain';

export const capPolicy = {
  caps: [{ id: 'two-a-day', max: 2, window: '1d' }],
  quietHours: { start: '21:00', end: '09:00', jitter: '30m' },
};

export async function seedAudience(
  db: Database,
  segmentId: string,
  count: number,
  now = new Date(),
): Promise<void> {
  const day = zoneWhereItIs(13, now);
  const night = zoneWhereItIs(3, now);
  await deployPolicy(db, capPolicy);
  await db
    .insert(segmentVersions)
    .values({
      segmentId,
      version: 'v1',
      // The members are written below as they are; the conditions say the same of them.
      definition: {
        id: segmentId,
        name: `Broadcast audience ${segmentId}`,
        match: 'all',
        conditions: [{ trait: { path: 'segment', op: 'eq', value: segmentId } }],
      },
    })
    .onConflictDoNothing();
  const prefix = `${segmentId}-`;
  await db.execute(sql`
    insert into customers (id, time_zone, traits)
    select gen_random_uuid(), case when i % 10 = 3 then ${night} else ${day} end,
      jsonb_build_object('i', i, 'name', 'Customer ' || i, 'segment', ${segmentId}::text)
    from generate_series(0, ${count - 1}) as i`);
  const members = sql`(select id, (traits->>'i')::int as i from customers where traits->>'segment' = ${segmentId})`;
  await db.execute(sql`
    insert into identities (customer_id, kind, value, verified_at)
    select id, 'email', ${prefix} || i || '@broadcast.test', now() from ${members} m`);
  await db.execute(sql`
    insert into consents (customer_id, channel, status, source, updated_at)
    select id, 'email', 'unsubscribed', 'test', now() from ${members} m where i % 10 = 1`);
  await db.execute(sql`
    insert into deliveries (dedup_key, customer_id, channel, category, status, created_at, intent_key)
    select 'earlier:' || id || ':' || n, id, 'email', 'marketing', 'sent', now() - interval '2 hours', 'earlier-' || n
    from ${members} m, generate_series(1, 2) as n where i % 10 = 2`);
  await db.execute(sql`
    insert into segment_memberships (segment_id, customer_id, member, segment_version, entered_at, entries)
    select ${segmentId}, id, true, 'v1', now() - interval '1 day', 1 from ${members} m`);
}

/** The customer id of each index of a seeded audience. */
export async function audienceIndex(db: Database, segmentId: string): Promise<Map<string, number>> {
  const rows = await db.execute<{ id: string; i: number }>(
    sql`select id, (traits->>'i')::int as i from customers where traits->>'segment' = ${segmentId}`,
  );
  return new Map(rows.map((row) => [row.id, Number(row.i)]));
}
