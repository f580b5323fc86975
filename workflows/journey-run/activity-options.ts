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

/** The profile's reads and updates as local activities (`profile-local`): one short query each. */
export const localProfile: LocalActivityOptions = {
  startToCloseTimeout: '30 seconds',
  localRetryThreshold: '10 seconds',
  retry: databaseRetry,
};

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

/**
 * `deliver` as a local activity (`deliver-local`): the send runs inside the workflow task, with no
 * activity task, no heartbeats and two fewer workflow tasks per send on the server. Its bound is
 * the regular activity's: each provider call is cut off at 30 s by the adapters (60 s by the
 * pipeline), and a send may try each of its channels once. A local activity longer than the
 * workflow task's timeout is no failure: the worker heartbeats the task (completes it and asks for
 * the next) until the activity ends. No heartbeat timeout: a worker that dies mid-send is noticed
 * by the workflow task's timeout (10 s), and the next worker runs the send again under the same
 * dedup key. Retries past `localRetryThreshold` wait on a durable timer instead of in memory.
 */
export const localDeliver: LocalActivityOptions = {
  startToCloseTimeout: deliver.startToCloseTimeout,
  localRetryThreshold: '10 seconds',
  retry: deliver.retry,
};

export const runActivities = proxyActivities<JourneyRunActivities>(bookkeeping);
export const localRunActivities = proxyLocalActivities<JourneyRunActivities>(localBookkeeping);
export const profileActivities = proxyActivities<JourneyStepActivities>(profile);
export const deliveryActivities = proxyActivities<JourneyStepActivities>(deliver);
export const localProfileActivities = proxyLocalActivities<JourneyStepActivities>(localProfile);
export const localDeliveryActivities = proxyLocalActivities<JourneyStepActivities>(localDeliver);
