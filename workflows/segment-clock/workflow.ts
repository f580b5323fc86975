import { proxyActivities } from '@temporalio/workflow';
import type { SegmentActivities } from '../../activities/segment-activities.js';

const { reevaluateDueSegments } = proxyActivities<SegmentActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5, maximumInterval: '30 seconds' },
});

export interface SegmentClockInput {
  /** Rows per page; default 500. */
  pageSize?: number;
  /** Pages per tick; default 20 (what is left waits for the next tick, oldest edge first). */
  maxPages?: number;
}

export interface SegmentClockResult {
  at: string;
  customers: number;
  changes: number;
  /** Rows still due when the tick stopped (its bound reached). */
  more: boolean;
}

/**
 * One tick of the segment clock, started by the `segment-clock` Schedule: re-evaluates the rows
 * whose window edge has passed at the tick's instant, page by page, within a bound per tick.
 */
export async function segmentClock(input: SegmentClockInput = {}): Promise<SegmentClockResult> {
  const at = new Date().toISOString();
  const result: SegmentClockResult = { at, customers: 0, changes: 0, more: false };
  for (let page = 0; page < (input.maxPages ?? 20); page++) {
    const done = await reevaluateDueSegments({ at, limit: input.pageSize ?? 500 });
    result.customers += done.customers;
    result.changes += done.changes;
    result.more = done.more;
    if (!done.more) break;
  }
  return result;
}
