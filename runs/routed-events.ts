import { and, asc, eq, inArray, isNotNull, type SQL } from 'drizzle-orm';
import { toRunEvent } from '../customers/stored-event.js';
import type { Queryable } from '../db/queryable.js';
import { events } from '../db/schema.js';
import type { RunEvent } from '../domain/journey-runtime.js';

/**
 * A customer's routed track events with one of `names` that also meet `where`, oldest first, at
 * most `limit`: what a run is handed when it starts late (its backlog) or takes over a merged run.
 * Only routed events: one not routed yet reaches the run by its own routing.
 */
export async function routedEventsOfInterest(
  q: Queryable,
  query: { customerId: string; names: ReadonlySet<string>; where: SQL | undefined; limit: number },
): Promise<RunEvent[]> {
  const rows = await q
    .select({
      messageId: events.messageId,
      name: events.name,
      type: events.type,
      properties: events.properties,
      occurredAt: events.occurredAt,
    })
    .from(events)
    .where(
      and(
        eq(events.customerId, query.customerId),
        eq(events.type, 'track'),
        inArray(events.name, [...query.names]),
        isNotNull(events.routedAt),
        query.where,
      ),
    )
    .orderBy(asc(events.occurredAt), asc(events.id))
    .limit(query.limit);
  return rows.map(toRunEvent);
}
