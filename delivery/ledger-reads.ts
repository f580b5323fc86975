import { and, gt, inArray, or, sql } from 'drizzle-orm';
import type { Queryable } from '../db/queryable.js';
import { deliveries } from '../db/schema.js';
import { unfinishedRowCountsForMs } from '../domain/delivery-decision.js';
import { capHorizonMs } from '../domain/frequency-caps.js';
import type { PolicyRules } from '../domain/delivery-policy.js';
import { countedStatuses, unfinishedStatuses, type LedgerRow } from './ledger.js';
import type { ReservationRules } from './reservation.js';

/**
 * What every reservation, one send's or a broadcast batch's, reads under the customers' locks: the
 * lock statement, which ledger rows count, and how far back. One source, so both paths decide alike.
 */

/**
 * The per-customer delivery locks, taken in a fixed (sorted) order by one statement: a journey's
 * send and a broadcast's batch take the same key, so they serialise per customer, never deadlock.
 */
export function customerLocks(tx: Queryable, customerIds: readonly string[]) {
  const keys = JSON.stringify([...new Set(customerIds)].sort().map((id) => `deliver:${id}`));
  return tx.execute(
    sql`select pg_advisory_xact_lock(hashtextextended(k, 0)) from jsonb_array_elements_text(${keys}::jsonb) with ordinality as t(k, n) order by n`,
  );
}

/** Rows caps and intents count at `at`: final ones that went out, unfinished ones while retries may still send them. */
export function countedAt(at: Date) {
  // A row not final (an attempt cut off, a run gone) stops counting once its retries are surely over.
  const staleBefore = new Date(at.getTime() - unfinishedRowCountsForMs);
  return or(
    inArray(
      deliveries.status,
      countedStatuses.filter((s) => !unfinishedStatuses.includes(s as never)),
    ),
    and(inArray(deliveries.status, [...unfinishedStatuses]), gt(deliveries.createdAt, staleBefore)),
  );
}

/** How far back the first read looks: the longest cap window seen so far, or the intent window. */
export function firstHorizonMs(rules: ReservationRules, intentWindowMs: number): number {
  return Math.max(rules.policy.horizonMs(), intentWindowMs);
}

/**
 * The ledger rows the policy in force counts. The batch read them as far back as the longest cap
 * window seen before (or the intent window); a policy just deployed with a longer window reads
 * again, further back, under the same lock (once per worker and deploy).
 */
export async function rowsForPolicy(
  read: { rows: LedgerRow[]; ms: number },
  policy: PolicyRules,
  at: Date,
  readAgain: (horizon: Date) => Promise<LedgerRow[]>,
): Promise<LedgerRow[]> {
  const needed = capHorizonMs(policy.caps);
  if (needed <= read.ms) return read.rows;
  return readAgain(new Date(at.getTime() - needed));
}
