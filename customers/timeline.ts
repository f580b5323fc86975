import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/queryable.js';

export interface TimelineItem {
  kind: 'event' | 'delivery' | 'journey_run';
  id: string;
  at: string;
  detail: Record<string, unknown>;
}

export interface TimelinePage {
  items: TimelineItem[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

interface Cursor {
  at: string;
  kind: string;
  id: string;
}

const timestampPattern = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)?$/;

export function decodeCursor(cursor: string): Cursor | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (typeof parsed.at !== 'string' || !timestampPattern.test(parsed.at)) return undefined;
    if (typeof parsed.kind !== 'string' || typeof parsed.id !== 'string') return undefined;
    return { at: parsed.at, kind: parsed.kind, id: parsed.id };
  } catch {
    return undefined;
  }
}

/** Events, deliveries and journey runs of one customer, newest first, keyset-paginated. */
export async function loadTimeline(
  db: Queryable,
  customerId: string,
  options: { limit: number; before?: Cursor },
): Promise<TimelinePage> {
  const before = options.before;
  const rows = await db.execute<{
    kind: TimelineItem['kind'];
    id: string;
    at: Date | string;
    at_key: string;
    detail: Record<string, unknown>;
  }>(sql`
    select kind, id, at, at::text as at_key, detail from (
      select 'event' as kind, id::text as id, occurred_at as at,
             jsonb_build_object('type', type, 'name', name, 'messageId', message_id, 'properties', properties) as detail
        from events where customer_id = ${customerId}
      union all
      select 'delivery', id::text, created_at,
             jsonb_build_object('channel', channel, 'status', status, 'reason', reason, 'journeyId', journey_id,
                                'stepId', step_id, 'intentKey', intent_key, 'category', category)
        from deliveries where customer_id = ${customerId}
      union all
      select 'journey_run', run_id, started_at,
             jsonb_build_object('journeyId', journey_id, 'workflowId', workflow_id, 'entryKey', entry_key,
                                'status', status, 'reason', reason, 'endedAt', ended_at)
        from journey_runs where customer_id = ${customerId}
    ) t
    ${before ? sql`where (at, kind, id) < (${before.at}::timestamptz, ${before.kind}, ${before.id})` : sql``}
    order by at desc, kind desc, id desc
    limit ${options.limit + 1}`);
  const page = [...rows].slice(0, options.limit);
  const items = page.map((row) => ({
    kind: row.kind,
    id: row.id,
    at: new Date(row.at).toISOString(),
    detail: row.detail,
  }));
  const last = page.at(-1);
  // The cursor keeps the database's full (microsecond) precision so no row is skipped or repeated.
  const nextCursor =
    rows.length > options.limit && last
      ? Buffer.from(JSON.stringify({ at: last.at_key, kind: last.kind, id: last.id })).toString('base64url')
      : null;
  return { items, nextCursor };
}
