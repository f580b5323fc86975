import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { JourneyDefinition } from '../../domain/journey-definition.js';
import type { RunEvent, RunOutcome } from '../../domain/journey-runtime.js';

/** The journey run's contract with the world: its input, result, signals and query. */

export interface JourneyRunInput {
  journey: JourneyDefinition;
  version: string;
  customerId: string;
  entryKey: string;
  trigger: RunEvent;
  /** Events at or after the trigger that were routed before the run existed (oldest first). */
  backlog?: RunEvent[];
}

export interface StepRecord {
  outcome: string;
  channel?: string;
  reason?: string;
  at: string;
}

export interface JourneyRunState {
  journeyId: string;
  version: string;
  customerId: string;
  entryKey: string;
  status: 'running' | RunOutcome;
  currentStep?: string;
  waitingFor?: string;
  waitingUntil?: string;
  steps: Record<string, StepRecord>;
  eventsReceived: number;
  reason?: string;
}

export interface JourneyRunResult {
  outcome: RunOutcome;
  reason?: string;
  steps: Record<string, StepRecord>;
}

/** Events for this customer that the router thinks the run may care about. */
export const customerEventSignal = defineSignal<[RunEvent]>('customerEvent');
/** The run of the same journey and entry key that goes on after two customers merged. */
export interface MergedInto {
  runId: string;
  workflowId: string;
  /** The surviving customer. */
  customerId: string;
}

/** Another run goes on for this entry (customers merged): ends the run at once, outcome "merged". */
export const mergedIntoSignal = defineSignal<[MergedInto]>('mergedInto');
/** The run's customer was merged into this one (its id): the run goes on for the survivor. */
export const customerMergedSignal = defineSignal<[string]>('customerMerged');
/** Ends the run at once, outcome "cancelled". */
export const cancelRunSignal = defineSignal<[string | undefined]>('cancelRun');
export const runStateQuery = defineQuery<JourneyRunState>('runState');
