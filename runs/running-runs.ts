import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Queryable } from '../db/queryable.js';
import { searchAttributes } from '../domain/search-attributes.js';
import { cancelJourneyRun } from '../workflows/journey-run/lifecycle.js';
import { listJourneyRuns } from './journey-runs-query.js';
import type { RunRow } from './run-records.js';

/*
 * What Temporal says about, and does to, running runs. Apart from the database queries
 * (`journey-runs-query.ts`), so the CLI's listing commands start without loading Temporal's client.
 */

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
