import { patched, workflowInfo } from '@temporalio/workflow';
import type { JourneyRunActivities } from '../../activities/run-records.js';
import type { RunOutcome } from '../../domain/journey-runtime.js';
import { localRunActivities, runActivities } from './activity-options.js';
import type { JourneyRunInput, JourneyRunState } from './signals.js';

export type RunStatus = RunOutcome | 'running';
/** The activity's input: the contract recorded in histories. */
type JourneyRunRecord = Parameters<JourneyRunActivities['recordJourneyRun']>[0];

export interface RunBookkeeping {
  /** Whether the run records its start itself (runs started before the router inserted the row). */
  recordsStart: boolean;
  record(
    status: RunStatus,
    reason?: string,
    endedByEventAt?: string,
    mergedIntoRunId?: string,
  ): Promise<void>;
}

/**
 * The run's row in `journey_runs`. Call it where the run always has (after its handlers are set):
 * it asks `patched`, and a patch check that moves would break the replay of runs in flight.
 */
export function runBookkeeping(
  input: JourneyRunInput,
  state: Pick<JourneyRunState, 'customerId'>,
  startedAt: string,
): RunBookkeeping {
  const info = workflowInfo();
  // Runs started after this change skip the start record (the router inserts the row when it
  // starts the run) and record their outcome with a local activity; older histories replay as before.
  const local = patched('run-bookkeeping-local');
  const runRecord = (
    status: RunStatus,
    reason?: string,
    endedByEventAt?: string,
    mergedIntoRunId?: string,
  ): JourneyRunRecord => ({
    runId: info.runId,
    workflowId: info.workflowId,
    journeyId: input.journey.id,
    journeyVersion: input.version,
    // The customer the run follows now (the survivor, after a merge).
    customerId: state.customerId,
    entryKey: input.entryKey,
    triggerMessageId: input.trigger.messageId,
    status,
    reason,
    startedAt,
    endedAt: status === 'running' ? undefined : new Date().toISOString(),
    ...(endedByEventAt ? { endedByEventAt } : {}),
    ...(mergedIntoRunId ? { mergedIntoRunId } : {}),
  });
  return {
    recordsStart: !local,
    record: (status, reason, endedByEventAt, mergedIntoRunId) =>
      local
        ? localRunActivities.recordJourneyRun.executeWithOptions({ summary: `record outcome: ${status}` }, [
            runRecord(status, reason, endedByEventAt, mergedIntoRunId),
          ])
        : runActivities.recordJourneyRun.executeWithOptions(
            { summary: status === 'running' ? 'record run start' : `record outcome: ${status}` },
            [runRecord(status, reason, endedByEventAt, mergedIntoRunId)],
          ),
  };
}
