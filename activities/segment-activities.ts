import type { Database } from '../db/client.js';
import { reevaluateDue, type ClockPage } from '../audiences/segment-clock.js';
import { createSegmentCatalog, type SegmentCatalog } from '../audiences/segment-catalog.js';

/** Activities of the segment clock: time-based membership, re-evaluated where a window edge passed. */
export function createSegmentActivities(db: Database, catalog: SegmentCatalog = createSegmentCatalog()) {
  return {
    /** One page of due rows, evaluated at the tick's instant (ISO, the workflow's time). */
    async reevaluateDueSegments(input: { at: string; limit: number }): Promise<ClockPage> {
      return reevaluateDue(db, catalog, { at: new Date(input.at), limit: input.limit });
    },
  };
}

export type SegmentActivities = ReturnType<typeof createSegmentActivities>;
