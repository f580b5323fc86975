import { randomBytes } from 'node:crypto';
import { and, asc, count, desc, eq, gt, isNull, lte, ne, or, sql } from 'drizzle-orm';
import type { Queryable } from '../db/queryable.js';
import { broadcasts, deliveries, segmentMemberships } from '../db/schema.js';
import { broadcastProgress, broadcastWorkflowId, type BroadcastProgress } from '../domain/broadcast.js';

export type Broadcast = typeof broadcasts.$inferSelect;
type BroadcastStatus = Broadcast['status'];

/** A new broadcast's id: short, unique, and a valid workflow id part. */
export const newBroadcastId = () => `bc-${randomBytes(5).toString('hex')}`;

export async function insertBroadcast(
  db: Queryable,
  values: Pick<
    Broadcast,
    'id' | 'name' | 'segmentId' | 'template' | 'channels' | 'category' | 'intentKey' | 'scheduledAt'
  >,
): Promise<Broadcast> {
  const [row] = await db
    .insert(broadcasts)
    .values({ ...values, status: 'scheduled', workflowId: broadcastWorkflowId(values.id) })
    .returning();
  if (!row) throw new Error('broadcast insert returned nothing');
  return row;
}

export async function getBroadcast(db: Queryable, id: string): Promise<Broadcast | undefined> {
  const [row] = await db.select().from(broadcasts).where(eq(broadcasts.id, id));
  return row;
}

/** The newest first, bounded. */
export function listBroadcasts(db: Queryable, limit = 100): Promise<Broadcast[]> {
  return db.select().from(broadcasts).orderBy(desc(broadcasts.createdAt)).limit(limit);
}

/** A status change; a cancelled or completed broadcast stays so (returns whether it changed). */
export async function setBroadcastStatus(
  db: Queryable,
  id: string,
  status: BroadcastStatus,
): Promise<boolean> {
  const done = sql`${broadcasts.status} in ('cancelled', 'completed')`;
  const changed = await db
    .update(broadcasts)
    .set({ status, ...(status === 'completed' || status === 'cancelled' ? { finishedAt: new Date() } : {}) })
    .where(and(eq(broadcasts.id, id), sql`not (${done})`))
    .returning({ id: broadcasts.id });
  return changed.length > 0;
}

/** Members a broadcast counts as its audience: members since before it began (`entered_at` no later). */
function audienceOf(segmentId: string, startedAt: Date) {
  return and(
    eq(segmentMemberships.segmentId, segmentId),
    eq(segmentMemberships.member, true),
    or(isNull(segmentMemberships.enteredAt), lte(segmentMemberships.enteredAt, startedAt)),
  );
}

/**
 * The broadcast begins: its start time and audience size are fixed once (a retried or continued
 * workflow reads them back), and it is running unless paused or cancelled meanwhile.
 */
export async function beginBroadcast(db: Queryable, id: string, now: Date): Promise<Broadcast> {
  const [row] = await db
    .update(broadcasts)
    .set({ startedAt: sql`coalesce(${broadcasts.startedAt}, ${now.toISOString()}::timestamptz)` })
    .where(eq(broadcasts.id, id))
    .returning();
  if (!row?.startedAt) throw new Error(`broadcast ${id} not found`);
  if (row.audienceTotal !== null) return row;
  const [counted] = await db
    .select({ n: count() })
    .from(segmentMemberships)
    .where(audienceOf(row.segmentId, row.startedAt));
  const [begun] = await db
    .update(broadcasts)
    .set({
      audienceTotal: sql`coalesce(${broadcasts.audienceTotal}, ${counted?.n ?? 0})`,
      status: sql`case when ${broadcasts.status} = 'scheduled' then 'running' else ${broadcasts.status} end`,
    })
    .where(eq(broadcasts.id, id))
    .returning();
  return begun ?? row;
}

/** The next page of the audience after `cursor` (customer-id order): the index on members serves it. */
export async function audiencePage(
  db: Queryable,
  broadcast: Pick<Broadcast, 'segmentId' | 'startedAt'>,
  cursor: string | null,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .select({ customerId: segmentMemberships.customerId })
    .from(segmentMemberships)
    .where(
      and(
        audienceOf(broadcast.segmentId, broadcast.startedAt ?? new Date()),
        cursor ? gt(segmentMemberships.customerId, cursor) : undefined,
      ),
    )
    .orderBy(asc(segmentMemberships.customerId))
    .limit(limit);
  return rows.map((row) => row.customerId);
}

/** The cursor and count after a batch; never backwards (a retried batch writes the same values). */
export async function recordBroadcastProgress(db: Queryable, id: string, cursor: string, processed: number) {
  await db
    .update(broadcasts)
    .set({ cursor, processed: sql`greatest(${broadcasts.processed}, ${processed})` })
    .where(and(eq(broadcasts.id, id), ne(broadcasts.status, 'completed')));
}

export interface BroadcastReport {
  broadcast: Broadcast;
  progress: BroadcastProgress;
  /** The ledger's rows of this broadcast by status, and by reason/rule within each. */
  ledger: { status: string; reason: string | null; rule: string | null; count: number }[];
}

/** Status with progress, ETA and the ledger counts (read from the ledger itself: exact as of the read). */
export async function broadcastReport(
  db: Queryable,
  id: string,
  now = new Date(),
): Promise<BroadcastReport | undefined> {
  const broadcast = await getBroadcast(db, id);
  if (!broadcast) return undefined;
  const rows = await db
    .select({ status: deliveries.status, reason: deliveries.reason, rule: deliveries.rule, count: count() })
    .from(deliveries)
    .where(eq(deliveries.workflowId, broadcastWorkflowId(id)))
    .groupBy(deliveries.status, deliveries.reason, deliveries.rule)
    .orderBy(desc(count()))
    .limit(50);
  const end = broadcast.finishedAt ?? now;
  const progress = broadcastProgress({ ...broadcast, now: end });
  return { broadcast, progress, ledger: rows };
}
