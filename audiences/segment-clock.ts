import { and, asc, eq, inArray, isNotNull, lte } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { segmentMemberships } from '../db/schema.js';
import type { SegmentCatalog } from './segment-catalog.js';
import { updateMemberships } from './update-memberships.js';
import type { RoutingInterest } from '../customers/event-row.js';
import type { StoredEvent } from '../customers/stored-event.js';

export interface ClockPage {
  /** Customers re-evaluated. */
  customers: number;
  /** Segment entries and exits recorded. */
  changes: number;
  /** More rows were due than this page took: the caller asks again. */
  more: boolean;
}

/**
 * Journeys, as the tick hands them what it found: which membership events a journey listens to (the
 * others are stored routed), and the hand-off of those, at once rather than at the unrouted-event
 * sweep. A hand-off that fails leaves its events unrouted for the sweep.
 */
export interface ClockJourneys {
  needsRouting?: RoutingInterest;
  route(events: StoredEvent[]): Promise<void>;
}

/**
 * Re-evaluates the rows whose window edge has passed (`next_check_at <= at`), oldest edge first, at
 * most `limit` rows: only those customers, never a scan of everyone (the partial index on
 * next_check_at holds only rows waiting for an edge). Each customer's due segments, and the ones
 * naming them, are evaluated in one transaction at `at`; an entry or exit is dated at its edge.
 */
export async function reevaluateDue(
  db: Database,
  catalog: SegmentCatalog,
  { at, limit, journeys }: { at: Date; limit: number; journeys?: ClockJourneys },
): Promise<ClockPage> {
  const due = await db
    .select({
      segmentId: segmentMemberships.segmentId,
      customerId: segmentMemberships.customerId,
      nextCheckAt: segmentMemberships.nextCheckAt,
    })
    .from(segmentMemberships)
    .where(and(isNotNull(segmentMemberships.nextCheckAt), lte(segmentMemberships.nextCheckAt, at)))
    .orderBy(asc(segmentMemberships.nextCheckAt))
    .limit(limit);
  const index = await catalog.current(db);
  const byCustomer = new Map<string, { ids: string[]; earliest: Date }>();
  const gone: string[] = [];
  for (const row of due) {
    // A segment no longer deployed has nothing to wait for.
    if (!index.segments.has(row.segmentId)) gone.push(row.segmentId);
    const entry = byCustomer.get(row.customerId) ?? { ids: [], earliest: row.nextCheckAt ?? at };
    entry.ids.push(row.segmentId);
    byCustomer.set(row.customerId, entry);
  }
  if (gone.length > 0)
    await db
      .update(segmentMemberships)
      .set({ nextCheckAt: null })
      .where(and(inArray(segmentMemberships.segmentId, gone), lte(segmentMemberships.nextCheckAt, at)));
  let changes = 0;
  for (const [customerId, { ids, earliest }] of byCustomer) {
    const written = await updateMemberships(db, index, {
      customerId,
      segmentIds: index.withDependents(ids),
      at,
      cause: earliest,
      needsRouting: journeys?.needsRouting,
    });
    if (written && journeys) await journeys.route(written);
    // A customer merged away keeps no profile: their rows stop waiting rather than being due forever.
    if (written === undefined) await stopWaiting(db, customerId, at);
    changes += written?.length ?? 0;
  }
  return { customers: byCustomer.size, changes, more: due.length === limit };
}

async function stopWaiting(db: Database, customerId: string, at: Date) {
  await db
    .update(segmentMemberships)
    .set({ nextCheckAt: null })
    .where(and(eq(segmentMemberships.customerId, customerId), lte(segmentMemberships.nextCheckAt, at)));
}
