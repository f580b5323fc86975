import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptionsStartWorkflowAction,
} from '@temporalio/client';
import type { segmentClock } from '../workflows/segment-clock/workflow.js';

/** The Schedule's id, as the Temporal UI lists it. */
export const segmentClockScheduleId = 'segment-clock';
/** How often time-based segment conditions are re-evaluated: an edge is seen at most this late. */
export const segmentClockInterval = '1m';

/**
 * Creates the `segment-clock` Schedule, or brings an existing one to this spec and task queue, so
 * every start of the engine leaves exactly one. A tick that overlaps a running one is skipped (the
 * running one takes the rows due by then); ticks missed while the cluster was down are not
 * replayed one by one: the next tick takes every row whose edge passed, dated at its edge.
 */
export async function ensureSegmentClockSchedule(
  client: Client,
  taskQueue: string,
  /** Tests on a shared server use their own id. */
  scheduleId = segmentClockScheduleId,
): Promise<'created' | 'updated'> {
  const action: ScheduleOptionsStartWorkflowAction<typeof segmentClock> = {
    type: 'startWorkflow',
    workflowType: 'segmentClock',
    workflowId: scheduleId,
    taskQueue,
    args: [{}],
    workflowExecutionTimeout: '10 minutes',
  };
  const spec = { intervals: [{ every: segmentClockInterval }] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule
      .getHandle(scheduleId)
      .update((previous) => ({ ...previous, spec, action, policies }));
    return 'updated';
  }
}
