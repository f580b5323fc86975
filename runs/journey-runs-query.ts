import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { and, desc, eq, or, sql } from 'drizzle-orm';
import type { Queryable } from '../db/queryable.js';
import { journeyRuns, type RunStatus } from '../db/schema.js';
import { searchAttributes } from '../domain/search-attributes.js';
import { cancelJourneyRun } from '../workflows/journey-run/lifecycle.js';
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

/**
 * The step each running run is at, from its workflow's search attributes (describe reads the
 * run's own state, not the eventually consistent visibility store). Ended or unknown runs: absent.
 */
export async function currentSteps(client: Client, runs: readonly RunRow[]): Promise<Map<string, string>> {
  const steps = new Map<string, string>();
  await Promise.all(
    runs
      .filter((run) => run.status === 'running')
      .map(async (run) => {
        try {
          const described = await client.workflow.getHandle(run.workflowId, run.runId).describe();
          const step = described.typedSearchAttributes.get(searchAttributes.JourneyStep);
          if (step) steps.set(run.runId, step);
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
      }),
  );
  return steps;
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

/** Largest number of runs one request ends; a journey with more is ended by asking again. */
export const maxRunsEndedAtOnce = 10_000;

/**
 * Asks every running run of the journey to end (outcome "cancelled", with the reason). A run
 * that has just ended is skipped. Returns how many were asked.
 */
export async function endRunningRuns(
  db: Queryable,
  client: Client,
  journeyId: string,
  reason: string,
): Promise<number> {
  const running = await listJourneyRuns(db, { journeyId, status: 'running', limit: maxRunsEndedAtOnce });
  let ended = 0;
  for (const run of running) {
    try {
      await cancelJourneyRun(client, run.workflowId, reason);
      ended++;
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
  return ended;
}
