import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { journeyRuns, type RunStatus } from '../db/schema.js';

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
}

/** Activities that keep `journey_runs` in step with Temporal, for the stats and the customer timeline. */
export function createJourneyRunActivities(db: Database) {
  return {
    /**
     * Idempotent upsert by run id. Once a run has ended its outcome is final: a retried or
     * late "running" record never overwrites it.
     */
    async recordJourneyRun(record: JourneyRunRecord): Promise<void> {
      const values = {
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
      };
      await db
        .insert(journeyRuns)
        .values(values)
        .onConflictDoUpdate({
          target: journeyRuns.runId,
          set: {
            status: values.status,
            reason: values.reason,
            endedAt: values.endedAt,
            endedByEventAt: values.endedByEventAt,
          },
          setWhere: and(eq(journeyRuns.status, 'running'), sql`${journeyRuns.endedAt} is null`),
        });
    },
  };
}

export type JourneyRunActivities = ReturnType<typeof createJourneyRunActivities>;
