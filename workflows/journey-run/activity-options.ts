import {
  proxyActivities,
  proxyLocalActivities,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { JourneyRunActivities } from '../../activities/run-records.js';
import type { JourneyStepActivities } from '../../activities/step-activities.js';

/**
 * How the journey run calls each activity, one profile per kind of work. These values are part of
 * the commands a run records: changing one changes new histories (replays of old ones still pass,
 * but keep them stable unless the change is meant).
 */

/** Database work: a Postgres restart or failover heals within minutes, so keep trying that long. */
const databaseRetry = { maximumAttempts: 20, maximumInterval: '1 minute' } as const;

/** Run bookkeeping (`recordJourneyRun`) as a regular activity: histories from before the local one. */
export const bookkeeping: ActivityOptions = { startToCloseTimeout: '30 seconds', retry: databaseRetry };

/**
 * Run bookkeeping as a local activity: it runs inside the workflow task, so recording an outcome
 * costs no activity task and no extra workflow task on the server (the biggest per-run cost).
 */
export const localBookkeeping: LocalActivityOptions = {
  startToCloseTimeout: '30 seconds',
  localRetryThreshold: '10 seconds',
  retry: databaseRetry,
};

/** Reading and updating the customer's profile. */
export const profile: ActivityOptions = { startToCloseTimeout: '30 seconds', retry: databaseRetry };

/** Bounded: a provider that keeps failing ends as a failed step, not an endless retry. */
export const deliver: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  // The activity heartbeats every 2 s: a worker killed mid-send is retried elsewhere after 10 s.
  heartbeatTimeout: '10 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
  },
};

export const runActivities = proxyActivities<JourneyRunActivities>(bookkeeping);
export const localRunActivities = proxyLocalActivities<JourneyRunActivities>(localBookkeeping);
export const profileActivities = proxyActivities<JourneyStepActivities>(profile);
export const deliveryActivities = proxyActivities<JourneyStepActivities>(deliver);
