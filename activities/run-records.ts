import type { Database } from '../db/client.js';
import { recordRun, type JourneyRunRecord } from '../runs/run-records.js';

/** Activities that keep `journey_runs` in step with Temporal, for the stats and the customer timeline. */
export function createJourneyRunActivities(db: Database) {
  return {
    /**
     * Idempotent upsert by run id. Once a run has ended its outcome is final: a retried or
     * late "running" record never overwrites it.
     */
    async recordJourneyRun(record: JourneyRunRecord): Promise<void> {
      await recordRun(db, record);
    },
  };
}

export type JourneyRunActivities = ReturnType<typeof createJourneyRunActivities>;
