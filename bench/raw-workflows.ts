/**
 * Raw Temporal workflows for the bench's baselines: the ceiling that Temporal itself sets on the
 * same server, against which the engine's figures are read.
 */
import {
  condition,
  defineSignal,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { RawActivities } from './raw-activities.js';

const { noop, firstActivity, ledgerRow } = proxyActivities<RawActivities>({
  startToCloseTimeout: '1 minute',
});
const local = proxyLocalActivities<RawActivities>({ startToCloseTimeout: '1 minute' });

/**
 * Started by signal-with-start and then waits (its signal is accepted with the start): the baseline
 * for an ingested event that starts a journey run, which waits too.
 */
export async function rawTriggered(): Promise<void> {
  await condition(() => false);
}

/** Three no-op activities in a row: the baseline for a journey with three sends. */
export async function threeActivities(): Promise<void> {
  await noop();
  await noop();
  await noop();
}

/** Three no-op local activities: what the raw 3-activity workflow costs without activity tasks. */
export async function threeLocalActivities(): Promise<void> {
  await local.noop();
  await local.noop();
  await local.noop();
}

/** Three activities that each write one ledger row to PostgreSQL: the floor of 3 exactly-once sends. */
export async function threeLedgerActivities(): Promise<void> {
  const { workflowId } = workflowInfo();
  await ledgerRow(`${workflowId}-1`);
  await ledgerRow(`${workflowId}-2`);
  await ledgerRow(`${workflowId}-3`);
}

/** One activity that notes when it started: the baseline for trigger-to-provider latency. */
export async function oneActivity(key: string): Promise<void> {
  await firstActivity(key);
}

/** The raw baseline's wake-up signal. */
export const wakeSignal = defineSignal('wake');

/** Waits for one signal, then ends: the raw baseline for a wake-up drain. */
export async function waitForWake(): Promise<void> {
  let woken = false;
  setHandler(wakeSignal, () => {
    woken = true;
  });
  await condition(() => woken);
}
