import { and, desc, eq, gte, ne, sql } from 'drizzle-orm';
import type { Queryable } from '../db/queryable.js';
import { journeyRuns, type RunStatus } from '../db/schema.js';
import type { LastRun } from '../domain/entry-rules.js';

/**
 * The `journey_runs` row, owned here: the router inserts it when it starts a run, the run records
 * its outcome through an activity, and the router's re-entry rules read the history back.
 */

/** A run as the workflow reports it. The activity's input: recorded in workflow histories, so its shape stays. */
export interface JourneyRunRecord {
  runId: string;
  workflowId: string;
  journeyId: string;
  journeyVersion: string;
  customerId?: string;
  entryKey: string;
  /** Absent in histories recorded before it existed. */
  triggerMessageId?: string;
  status: RunStatus;
  reason?: string;
  /** ISO time, taken from workflow time so replays write the same value. */
  startedAt: string;
  endedAt?: string;
  /** When the goal or exit event that ended the run happened (ISO). */
  endedByEventAt?: string;
  /** Outcome merged: the run of the same journey and entry key that went on. */
  mergedIntoRunId?: string;
}

function runRow(record: JourneyRunRecord): typeof journeyRuns.$inferInsert {
  return {
    runId: record.runId,
    workflowId: record.workflowId,
    journeyId: record.journeyId,
    journeyVersion: record.journeyVersion,
    customerId: record.customerId ?? null,
    entryKey: record.entryKey,
    triggerMessageId: record.triggerMessageId ?? null,
    status: record.status,
    reason: record.reason ?? null,
    startedAt: new Date(record.startedAt),
    endedAt: record.endedAt ? new Date(record.endedAt) : null,
    endedByEventAt: record.endedByEventAt ? new Date(record.endedByEventAt) : null,
    mergedIntoRunId: record.mergedIntoRunId ?? null,
  };
}

/**
 * The row of a run the router just started, as an unsent statement: the router sends it with the
 * routing transaction's COMMIT. A row the run recorded itself (older histories do) stays as it is.
 */
export function insertStartedRun(q: Queryable, record: Omit<JourneyRunRecord, 'status'>) {
  return q
    .insert(journeyRuns)
    .values(runRow({ ...record, status: 'running' }))
    .onConflictDoNothing();
}

/**
 * Idempotent upsert by run id. Once a run has ended its outcome is final: a retried or late
 * "running" record never overwrites it.
 */
export async function recordRun(q: Queryable, record: JourneyRunRecord): Promise<void> {
  const row = runRow(record);
  await q
    .insert(journeyRuns)
    .values(row)
    .onConflictDoUpdate({
      target: journeyRuns.runId,
      set: {
        status: row.status,
        reason: row.reason,
        endedAt: row.endedAt,
        endedByEventAt: row.endedByEventAt,
        mergedIntoRunId: row.mergedIntoRunId,
      },
      setWhere: and(eq(journeyRuns.status, 'running'), sql`${journeyRuns.endedAt} is null`),
    });
}

/** The customer's running runs, as an unsent statement (the router batches it behind its lock). */
export function runningRunsOf(q: Queryable, customerId: string) {
  return q
    .select()
    .from(journeyRuns)
    .where(and(eq(journeyRuns.customerId, customerId), eq(journeyRuns.status, 'running')));
}

export type RunRow = typeof journeyRuns.$inferSelect;

/**
 * The newest run of a journey for a customer and entry key (any key when none is given): what
 * re-entry is decided on.
 */
export async function lastRunOf(
  q: Queryable,
  run: { journeyId: string; customerId: string; entryKey?: string },
): Promise<LastRun | undefined> {
  const [last] = await q
    .select({
      status: journeyRuns.status,
      startedAt: journeyRuns.startedAt,
      endedAt: journeyRuns.endedAt,
      endedByEventAt: journeyRuns.endedByEventAt,
    })
    .from(journeyRuns)
    .where(
      and(
        ofCustomerInJourney(run),
        run.entryKey === undefined ? undefined : eq(journeyRuns.entryKey, run.entryKey),
      ),
    )
    .orderBy(desc(journeyRuns.startedAt))
    .limit(1);
  return last;
}

/** Runs of a journey a customer entered since `since`, whatever their entry key: the entry limit. */
export async function entriesSince(
  q: Queryable,
  entry: { journeyId: string; customerId: string; since: Date },
): Promise<number> {
  const [row] = await q
    .select({ count: sql<number>`count(*)::int` })
    .from(journeyRuns)
    .where(and(ofCustomerInJourney(entry), gte(journeyRuns.startedAt, entry.since)));
  return row?.count ?? 0;
}

/**
 * The runs of one customer in one journey. A run merged into another (customers merged) was not an
 * entry of its own: the run that went on stands for both.
 */
function ofCustomerInJourney(run: { journeyId: string; customerId: string }) {
  return and(
    eq(journeyRuns.journeyId, run.journeyId),
    eq(journeyRuns.customerId, run.customerId),
    ne(journeyRuns.status, 'merged'),
  );
}
