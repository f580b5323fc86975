import { and, asc, eq, gt, lte, min } from 'drizzle-orm';
import type { Queryable } from '../db/queryable.js';
import { deliveries } from '../db/schema.js';
import { broadcastWorkflowId } from '../domain/broadcast.js';

/** A broadcast's deferred recipients whose time has come, and when the next one's comes. */
export interface DeferredDue {
  /** Customers whose deferral ended by `at`, earliest first, at most `limit`. */
  due: string[];
  /** The earliest deferral still ahead (ISO), or null: none left after these. */
  nextAt: string | null;
}

/**
 * Reads the broadcast's `deferred` rows (quiet hours: each customer's window) on the index by
 * (workflow, status, time): the page due now and the next release time, two small reads.
 */
export async function deferredDue(
  db: Queryable,
  broadcastId: string,
  at: Date,
  limit: number,
): Promise<DeferredDue> {
  const deferred = and(
    eq(deliveries.workflowId, broadcastWorkflowId(broadcastId)),
    eq(deliveries.status, 'deferred'),
  );
  const [due, [next]] = await Promise.all([
    db
      .select({ customerId: deliveries.customerId })
      .from(deliveries)
      .where(and(deferred, lte(deliveries.deferredUntil, at)))
      .orderBy(asc(deliveries.deferredUntil))
      .limit(limit),
    db
      .select({ at: min(deliveries.deferredUntil) })
      .from(deliveries)
      .where(and(deferred, gt(deliveries.deferredUntil, at))),
  ]);
  return { due: due.map((row) => row.customerId), nextAt: next?.at?.toISOString() ?? null };
}

/** Why a deferred recipient of a cancelled broadcast got nothing (the ledger's reason). */
export const cancelledDeferredReason = "broadcast cancelled before the customer's quiet-hours window opened";

/**
 * Cancels a completed broadcast's sends still deferred to each customer's window: their rows become
 * `skipped` with the reason, so the deferred-sends workflow finds none due and ends. A row a batch
 * already took (no longer `deferred`) is left to it. Returns how many were cancelled.
 */
export async function cancelDeferred(db: Queryable, broadcastId: string): Promise<number> {
  const cancelled = await db
    .update(deliveries)
    .set({ status: 'skipped', reason: cancelledDeferredReason })
    .where(
      and(eq(deliveries.workflowId, broadcastWorkflowId(broadcastId)), eq(deliveries.status, 'deferred')),
    )
    .returning({ id: deliveries.id });
  return cancelled.length;
}
