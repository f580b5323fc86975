import { and, count, eq, isNull, sql } from 'drizzle-orm';
import { pino } from 'pino';
import type { Database } from '../../db/client.js';
import { events, segmentMemberships } from '../../db/schema.js';
import type { EventRouter } from '../../runs/event-router.js';
import { startUnroutedSweep } from '../../runs/unrouted-sweep.js';

/**
 * A segment's membership changes written as the segments part writes them (the brief's contract):
 * the membership row and its `Segment Entered`/`Segment Left` event in one transaction, the event
 * unrouted, so the journey router (here through the unrouted-event sweep) starts the runs. Stands
 * in for segment evaluation, which has its own tests; the rows are the real tables'.
 */

interface Change {
  segmentId: string;
  customerId: string;
  /** The edge instant (entered_at / left_at and the event's occurred_at). */
  at: Date;
  segmentVersion?: string;
}

/** The customer enters: entries + 1; returns the entry ordinal. */
export async function enterSegment(db: Database, change: Change): Promise<number> {
  const { segmentId, customerId, at } = change;
  const segmentVersion = change.segmentVersion ?? 'v1';
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(segmentMemberships)
      .values({ segmentId, customerId, member: true, segmentVersion, enteredAt: at, entries: 1 })
      .onConflictDoUpdate({
        target: [segmentMemberships.segmentId, segmentMemberships.customerId],
        set: {
          member: true,
          segmentVersion,
          enteredAt: at,
          entries: sql`${segmentMemberships.entries} + 1`,
          evaluatedAt: sql`now()`,
        },
      })
      .returning({ entries: segmentMemberships.entries });
    const entry = row?.entries ?? 1;
    await tx.insert(events).values({
      messageId: `segment:${segmentId}:${customerId}:entered:${entry}`,
      customerId,
      type: 'track',
      name: 'Segment Entered',
      properties: { segment: segmentId, entry, segment_version: segmentVersion },
      occurredAt: at,
    });
    return entry;
  });
}

/** The member leaves; returns the entry ordinal it leaves. */
export async function leaveSegment(db: Database, change: Change): Promise<number> {
  const { segmentId, customerId, at } = change;
  const segmentVersion = change.segmentVersion ?? 'v1';
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(segmentMemberships)
      .set({ member: false, leftAt: at, segmentVersion, evaluatedAt: sql`now()` })
      .where(
        and(
          eq(segmentMemberships.segmentId, segmentId),
          eq(segmentMemberships.customerId, customerId),
          eq(segmentMemberships.member, true),
        ),
      )
      .returning({ entries: segmentMemberships.entries });
    if (!row) throw new Error(`${customerId} is not a member of ${segmentId}`);
    await tx.insert(events).values({
      messageId: `segment:${segmentId}:${customerId}:left:${row.entries}`,
      customerId,
      type: 'track',
      name: 'Segment Left',
      properties: { segment: segmentId, entry: row.entries, segment_version: segmentVersion },
      occurredAt: at,
    });
    return row.entries;
  });
}

const unrouted = async (db: Database) =>
  (await db.select({ n: count() }).from(events).where(isNull(events.routedAt)))[0]?.n ?? 0;

/** Routes every stored, unrouted event now with the API's unrouted-event sweep; returns how many. */
export async function routeUnrouted(db: Database, router: EventRouter): Promise<number> {
  const before = await unrouted(db);
  // Its first sweep, at start, covers every event stored so far; stop() waits for it.
  const sweep = startUnroutedSweep({ db, router, logger: pino({ level: 'silent' }), intervalMs: 3_600_000 });
  await sweep.sweep();
  await sweep.stop();
  return before - (await unrouted(db));
}
