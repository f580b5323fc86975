import { and, desc, eq, or, sql } from 'drizzle-orm';
import type { Queryable } from '../db/queryable.js';
import { journeyRuns, type RunStatus } from '../db/schema.js';
import type { RunRow } from './run-records.js';

/**
 * What operators ask of runs (admin API, CLI): list a journey's runs with the step each running
 * one is at, count them per journey, end one or all of a journey's running runs.
 */

export interface RunFilter {
  journeyId: string;
  status?: RunStatus;
  customerId?: string;
  limit: number;
}

/** A journey's runs, newest first. */
export function listJourneyRuns(db: Queryable, filter: RunFilter): Promise<RunRow[]> {
  return db
    .select()
    .from(journeyRuns)
    .where(
      and(
        eq(journeyRuns.journeyId, filter.journeyId),
        filter.status ? eq(journeyRuns.status, filter.status) : undefined,
        filter.customerId ? eq(journeyRuns.customerId, filter.customerId) : undefined,
      ),
    )
    .orderBy(desc(journeyRuns.startedAt))
    .limit(filter.limit);
}

/** Running and total runs per journey id. */
export async function runCounts(db: Queryable): Promise<Map<string, { running: number; total: number }>> {
  const rows = await db
    .select({
      journeyId: journeyRuns.journeyId,
      running: sql<number>`count(*) filter (where ${journeyRuns.status} = 'running')::int`,
      total: sql<number>`count(*)::int`,
    })
    .from(journeyRuns)
    .groupBy(journeyRuns.journeyId);
  return new Map(rows.map(({ journeyId, ...count }) => [journeyId, count]));
}

/** The newest run with this workflow id or run id. */
export async function findRun(db: Queryable, run: string): Promise<RunRow | undefined> {
  const [row] = await db
    .select()
    .from(journeyRuns)
    .where(or(eq(journeyRuns.workflowId, run), eq(journeyRuns.runId, run)))
    .orderBy(desc(journeyRuns.startedAt))
    .limit(1);
  return row;
}
