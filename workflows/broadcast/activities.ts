import { proxyActivities } from '@temporalio/workflow';
import type { BroadcastActivities } from '../../activities/broadcast-activities.js';
import { deliver } from '../journey-run/activity-options.js';

/** A broadcast's short bookkeeping: its row, its pages, its deferred recipients due. */
export const bookkeeping = proxyActivities<BroadcastActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/**
 * A batch: its provider calls are bounded (60 s each, in lanes), so 5 minutes is ample; it
 * heartbeats, so a killed worker's batch moves to another worker within 10 s. Transient provider
 * failures retry the batch (only its rows still reserved are sent again), at most 10 times.
 */
export const batches = proxyActivities<BroadcastActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: deliver.heartbeatTimeout,
  // The deliver activity's: the attempt count decides between retrying a provider and giving up.
  retry: deliver.retry,
  // Through the task queue, not eagerly to this workflow's worker: batches spread over every worker.
  allowEagerDispatch: false,
});
