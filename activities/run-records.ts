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
      await recordRun(db, endedNoEarlierThanNow(record));
    },
  };
}

/**
 * The workflow's clock stops at the start of its task, and a run's last task may run several sends
 * as local activities: its `endedAt` can precede them by the sends' time. The end is the later of
 * that and now; a clock ahead of ours (a time-skipping test server) is kept as given.
 */
function endedNoEarlierThanNow(record: JourneyRunRecord): JourneyRunRecord {
  if (!record.endedAt) return record;
  const now = Date.now();
  return Date.parse(record.endedAt) >= now ? record : { ...record, endedAt: new Date(now).toISOString() };
}

export type JourneyRunActivities = ReturnType<typeof createJourneyRunActivities>;
