import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/queryable.js';
import type { SegmentDefinition } from '../domain/segment-definition.js';
import { basicsOf, horizonOf, maxEventsRead, type FactRows, type MembershipRow } from './segment-facts.js';

type Json<T> = { [K in keyof T]: T[K] extends Date | null ? string | null : T[K] };
interface Answer extends Record<string, unknown> {
  live: boolean;
  rows: Json<Omit<MembershipRow, 'customerId'>>[];
  events: { name: string | null; properties: Record<string, unknown>; occurred_at: string }[];
}

/**
 * The facts of segments that read only events and other segments, in one statement whose text
 * never changes (the per-event hot path: ingest pays for each query it sends, not for its size):
 * the customer's rows in these segments and the ones they name, the counted events, as JSON, and
 * whether the customer is live (not merged into another). Unsent, to go out in a batch; undefined
 * when a segment reads traits or reachability (segment-facts.ts reads those).
 */
export function eventFactsRead(
  q: Queryable,
  customerId: string,
  definitions: readonly SegmentDefinition[],
  at: Date,
): { statement: PromiseLike<Answer[]>; facts(answers: Answer[]): FactRows } | undefined {
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
  const statement = q.execute<Answer>(sql`
    select
      exists (select 1 from customers c where c.id = ${customerId} and c.merged_into_id is null) as live,
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
  return { statement, facts: ([answer]) => factsOf(customerId, answer) };
}

/** The same, sent on its own (an unlocked first look). */
export async function readEventFacts(
  q: Queryable,
  customerId: string,
  definitions: readonly SegmentDefinition[],
  at: Date,
): Promise<FactRows | undefined> {
  const read = eventFactsRead(q, customerId, definitions, at);
  return read && read.facts(await read.statement);
}

function factsOf(customerId: string, answer: Answer | undefined): FactRows {
  const date = (value: string | null) => (value === null ? null : new Date(value));
  return {
    // No profile read: a customer merged away (or gone) holds nothing, as segment-facts.ts says.
    profile: answer?.live === false ? [] : [{ traits: {} }],
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
