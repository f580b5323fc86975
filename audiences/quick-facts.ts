import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/queryable.js';
import type { SegmentDefinition } from '../domain/segment-definition.js';
import { basicsOf, horizonOf, maxEventsRead, type FactRows, type MembershipRow } from './segment-facts.js';

type Json<T> = { [K in keyof T]: T[K] extends Date | null ? string | null : T[K] };
interface Answer extends Record<string, unknown> {
  rows: Json<Omit<MembershipRow, 'customerId'>>[];
  events: { name: string | null; properties: Record<string, unknown>; occurred_at: string }[];
}

/**
 * The facts of segments that read only events and other segments, in one statement whose text
 * never changes (the per-event hot path: ingest pays for each query it sends, not for its size):
 * the customer's rows in these segments and the ones they name, and the counted events, as JSON.
 * Undefined when a segment reads traits or reachability (segment-facts.ts reads those).
 */
export async function readEventFacts(
  q: Queryable,
  customerId: string,
  definitions: readonly SegmentDefinition[],
  at: Date,
): Promise<FactRows | undefined> {
  const basics = basicsOf(definitions);
  if (basics.some((b) => 'trait' in b || 'reachable' in b)) return undefined;
  const names = [...new Set(basics.flatMap((b) => ('event' in b ? [b.event] : [])))];
  const ids = [
    ...new Set([
      ...definitions.map((d) => d.id),
      ...basics.flatMap((b) => ('segment' in b ? [b.segment] : [])),
    ]),
  ];
  const horizon = horizonOf(definitions, at)?.toISOString() ?? '-infinity';
  const [answer] = await q.execute<Answer>(sql`
    select
      coalesce((select json_agg(json_build_object('segmentId', m.segment_id, 'member', m.member,
          'segmentVersion', m.segment_version, 'enteredAt', m.entered_at, 'leftAt', m.left_at,
          'entries', m.entries, 'nextCheckAt', m.next_check_at, 'evaluatedAt', m.evaluated_at))
        from segment_memberships m
        where m.customer_id = ${customerId} and m.segment_id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))), '[]') as rows,
      coalesce((select json_agg(json_build_object('name', e.name, 'properties', e.properties,
          'occurred_at', e.occurred_at))
        from (select name, properties, occurred_at from events
          where customer_id = ${customerId} and type = 'track' and name in (select jsonb_array_elements_text(${JSON.stringify(names)}::jsonb))
            and occurred_at > ${horizon}::timestamptz
          order by occurred_at desc limit ${maxEventsRead}) e), '[]') as events`);
  const date = (value: string | null) => (value === null ? null : new Date(value));
  return {
    profile: [{ traits: {} }],
    contact: undefined,
    rows: (answer?.rows ?? []).map((row) => ({
      ...row,
      customerId,
      enteredAt: date(row.enteredAt),
      leftAt: date(row.leftAt),
      nextCheckAt: date(row.nextCheckAt),
      evaluatedAt: new Date(row.evaluatedAt ?? 0),
    })),
    events: (answer?.events ?? []).map((event) => ({
      name: event.name,
      properties: event.properties,
      occurredAt: new Date(event.occurred_at),
    })),
  };
}
