import { defineSignal } from '@temporalio/workflow';

/** The scheduled-entry workflow's contract: its input and the signal a deploy sends it. */

export interface ScheduledEntryInput {
  journeyId: string;
  /** Occurrences at or before this instant are done (ISO); unset: from the workflow's start. */
  after?: string;
}

/** The journey was deployed again (its schedule or segment may have changed): plan the next fire now. */
export const rescheduleSignal = defineSignal('reschedule');

export function scheduledEntryWorkflowId(journeyId: string): string {
  return `scheduled-entry/${journeyId}`;
}
