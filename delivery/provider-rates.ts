import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import type { Channel } from '../domain/channels.js';
import { maxBlockMs, maxReserve, type RateLimit, type RatePriority } from '../domain/token-bucket.js';

/**
 * The governor's statements on `provider_rates`, one row per channel and provider account shared
 * by every worker. Each is one short statement: the row is locked only while PostgreSQL computes
 * it, never across a provider call. The arithmetic is `domain/token-bucket.ts`'s, in SQL, on the
 * database's clock, so workers with skewed clocks still share one rate.
 */

export interface RateBucket {
  channel: Channel;
  account: string;
}

/**
 * The bucket's row, created empty on first use (a new deployment starts at the rate, not with a
 * burst); an existing row is left as it is.
 */
export async function ensureBucket(db: Database, bucket: RateBucket, limit: RateLimit): Promise<void> {
  await db.execute(sql`
    insert into provider_rates (channel, account, rate_per_second, burst, tokens)
    values (${bucket.channel}, ${bucket.account}, ${limit.ratePerSecond}, ${limit.burst}, 0)
    on conflict do nothing`);
}

export interface Taken {
  granted: number;
  /** > 0: the provider's back-off holds the bucket this much longer. */
  blockedForMs: number;
}

/**
 * Refill by the time elapsed and take up to `wanted` tokens (`take` of domain/token-bucket.ts);
 * undefined when the row does not exist. The configured rate is written back, so a changed
 * setting applies from the next statement on.
 */
export async function takeTokens(
  db: Database,
  bucket: RateBucket,
  limit: RateLimit,
  wanted: number,
  priority: RatePriority,
): Promise<Taken | undefined> {
  const rate = sql`${limit.ratePerSecond}::float8`;
  const burst = sql`${limit.burst}::float8`;
  const triggered = sql`${priority}::text = 'triggered'`;
  const rows = await db.execute<{ granted: number; blocked_for_ms: number | null }>(sql`
    with bucket as (
      select p.channel, p.account, p.blocked_until, p.refilled_at, c.at,
             least(${burst}, r.refilled) as available,
             -- the reserve less the refill that spilt over the cap (reserveAt)
             greatest(0, p.priority_waiting - greatest(0, r.refilled - ${burst})) as priority_waiting
        from provider_rates p, (select clock_timestamp() as at) c,
             lateral (select p.tokens + ${rate} * greatest(0, extract(epoch from c.at - p.refilled_at)) as refilled) r
       where p.channel = ${bucket.channel} and p.account = ${bucket.account}
         for update of p
    ), decided as (
      select bucket.*,
             case when blocked_until > at then 0
                  else greatest(0, least(${wanted}::int, floor(
                    case when ${triggered} then available else greatest(0, available - priority_waiting) end
                    + 1e-9)))::int
             end as granted
        from bucket
    )
    update provider_rates p
       set tokens = greatest(0, d.available - d.granted),
           refilled_at = greatest(d.refilled_at, d.at),
           rate_per_second = ${rate},
           burst = ${burst},
           priority_waiting = case when ${triggered}
             then least(${maxReserve(limit)}::int, greatest(d.priority_waiting - d.granted, ${wanted}::int - d.granted))
             else d.priority_waiting end,
           updated_at = d.at
      from decided d
     where p.channel = d.channel and p.account = d.account
    returning d.granted, extract(epoch from d.blocked_until - d.at) * 1000 as blocked_for_ms`);
  const row = [...rows][0];
  if (!row) return undefined;
  return { granted: Number(row.granted), blockedForMs: Math.max(0, Number(row.blocked_for_ms ?? 0)) };
}

/**
 * A provider's back-off (429 / Retry-After): no tokens for anyone for `forMs` (at most 10 minutes),
 * then a refill from empty. A longer block already set stays.
 */
export async function blockBucket(
  db: Database,
  bucket: RateBucket,
  forMs: number,
): Promise<Date | undefined> {
  const ms = Math.max(0, Math.min(forMs, maxBlockMs));
  const rows = await db.execute<{ blocked_until: Date | string }>(sql`
    update provider_rates p
       set tokens = 0,
           blocked_until = greatest(coalesce(p.blocked_until, b.until), b.until),
           refilled_at = greatest(p.refilled_at, b.until),
           updated_at = clock_timestamp()
      from (select clock_timestamp() + make_interval(secs => ${ms / 1000}::float8) as until) b
     where p.channel = ${bucket.channel} and p.account = ${bucket.account}
    returning p.blocked_until`);
  const row = [...rows][0];
  return row ? new Date(row.blocked_until) : undefined;
}
