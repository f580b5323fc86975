import type { Client } from '@temporalio/client';
import { rescheduleSignal, scheduledEntryWorkflowId, type ScheduledEntryInput } from './signals.js';
import type { scheduledEntry } from './workflow.js';

/**
 * Starts the journey's scheduled-entry workflow, or wakes the running one to plan again (a deploy
 * may have changed the schedule): one per journey, by its workflow id.
 */
export async function startOrWakeScheduledEntry(
  client: Client,
  taskQueue: string,
  journey: { id: string; name: string },
): Promise<void> {
  await client.workflow.signalWithStart<typeof scheduledEntry, []>('scheduledEntry', {
    taskQueue,
    workflowId: scheduledEntryWorkflowId(journey.id),
    args: [{ journeyId: journey.id } satisfies ScheduledEntryInput],
    signal: rescheduleSignal,
    signalArgs: [],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    staticSummary: `${journey.name} · scheduled entry`,
  });
}
