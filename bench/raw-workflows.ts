/**
 * Raw Temporal workflows for the bench's baselines: the ceiling that Temporal itself sets on the
 * same server, against which the engine's figures are read.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { RawActivities } from './raw-activities.js';

const { noop, firstActivity } = proxyActivities<RawActivities>({ startToCloseTimeout: '1 minute' });

/** Does nothing: the baseline for signal-with-start. */
export async function emptyWorkflow(): Promise<void> {
  // Returns at once; its signal is accepted with the start.
}

/** Three no-op activities in a row: the baseline for a journey with three sends. */
export async function threeActivities(): Promise<void> {
  await noop();
  await noop();
  await noop();
}

/** One activity that notes when it started: the baseline for trigger-to-provider latency. */
export async function oneActivity(key: string): Promise<void> {
  await firstActivity(key);
}
