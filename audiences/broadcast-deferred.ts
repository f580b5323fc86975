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
