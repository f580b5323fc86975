import { and, asc, eq, exists, gt, inArray, isNull, or, type SQL } from 'drizzle-orm';
import type { Queryable } from '../db/queryable.js';
import { customers, events, segmentMemberships } from '../db/schema.js';
import type { SegmentDefinition } from '../domain/segment-definition.js';
import { anchorEvents } from '../domain/segment-dependencies.js';

/**
 * One page of the customers a first evaluation of a segment must look at, in id order after
 * `cursor`: those with a row in it already, and those with an event every member must have (all
 * customers when anyone could be a member). Merged-away customers are skipped.
 */
export async function candidatePage(
  q: Queryable,
  definition: SegmentDefinition,
  { cursor, limit }: { cursor: string | undefined; limit: number },
): Promise<string[]> {
  const names = anchorEvents(definition);
  const hasRow = exists(
    q
      .select({ one: segmentMemberships.segmentId })
      .from(segmentMemberships)
      .where(
        and(eq(segmentMemberships.segmentId, definition.id), eq(segmentMemberships.customerId, customers.id)),
      ),
  );
  const candidate: SQL | undefined = names
    ? or(
        hasRow,
        exists(
          q
            .select({ one: events.id })
            .from(events)
            .where(
              and(eq(events.customerId, customers.id), eq(events.type, 'track'), inArray(events.name, names)),
            ),
        ),
      )
    : undefined;
  const rows = await q
    .select({ id: customers.id })
    .from(customers)
    .where(and(isNull(customers.mergedIntoId), cursor ? gt(customers.id, cursor) : undefined, candidate))
    .orderBy(asc(customers.id))
    .limit(limit);
  return rows.map((row) => row.id);
}
