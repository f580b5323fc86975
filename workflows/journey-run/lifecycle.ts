import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { journeyWorkflowId, type RunEvent } from '../../domain/journey-runtime.js';
import { searchAttributes } from '../../domain/search-attributes.js';
import type { SignalDefinition } from '@temporalio/common';
import {
  cancelRunSignal,
  customerEventSignal,
  customerMergedSignal,
  mergedIntoSignal,
  type JourneyRunInput,
  type MergedInto,
} from './signals.js';
import type { journeyRun } from './workflow.js';

/** The client side of a journey run: start or join it, signal it an event, cancel it. */

/**
 * Starts the run of this journey, customer and entry key with its trigger as the first signal, or
 * joins the running one (one workflow id per entry; the signal is the trigger, which the run
 * ignores when it is its own). Returns the run that got the signal.
 */
export async function signalWithStartJourneyRun(
  client: Client,
  taskQueue: string,
  input: JourneyRunInput,
): Promise<{ workflowId: string; runId: string }> {
  const { journey: definition, version, customerId, entryKey, trigger } = input;
  const workflowId = journeyWorkflowId(definition.id, customerId, entryKey);
  const handle = await client.workflow.signalWithStart<typeof journeyRun, [RunEvent]>('journeyRun', {
    taskQueue,
    workflowId,
    args: [input],
    signal: customerEventSignal,
    signalArgs: [trigger],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    typedSearchAttributes: [
      { key: searchAttributes.CustomerId, value: customerId },
      { key: searchAttributes.JourneyId, value: definition.id },
      { key: searchAttributes.JourneyVersion, value: version },
      { key: searchAttributes.EntryKey, value: entryKey },
      { key: searchAttributes.JourneyStep, value: definition.steps[0]?.id ?? 'start' },
    ],
    staticSummary: `${definition.name} · customer ${customerId} · ${entryKey === 'default' ? 'entry' : `key ${entryKey}`}`,
    staticDetails: [
      `**${definition.name}** (\`${definition.id}\` version \`${version}\`)`,
      `Customer \`${customerId}\`, entry key \`${entryKey}\`, started by **${trigger.name}** (message \`${trigger.messageId}\`).`,
      definition.description,
    ].join('\n\n'),
  });
  return { workflowId, runId: handle.signaledRunId };
}

type RunRef = { workflowId: string; runId: string };

/** Signals one run; a run that has just ended is left alone (its outcome is being recorded). */
async function signalRun<Args extends unknown[]>(
  client: Client,
  run: RunRef,
  signal: SignalDefinition<Args>,
  ...args: Args
): Promise<void> {
  try {
    await client.workflow.getHandle(run.workflowId, run.runId).signal(signal, ...args);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}

/** Hands a running run an event it may react to. */
export function signalJourneyRun(client: Client, run: RunRef, event: RunEvent): Promise<void> {
  return signalRun(client, run, customerEventSignal, event);
}

/** Ends a run that a merge made a duplicate: `keeper` goes on for its journey and entry key. */
export function signalMergedInto(client: Client, run: RunRef, keeper: MergedInto): Promise<void> {
  return signalRun(client, run, mergedIntoSignal, keeper);
}

/** Tells a run that its customer was merged into `customerId`: it goes on for the survivor. */
export function signalCustomerMerged(client: Client, run: RunRef, customerId: string): Promise<void> {
  return signalRun(client, run, customerMergedSignal, customerId);
}

/** Cancels a run (ops), by workflow id. */
export async function cancelJourneyRun(client: Client, workflowId: string, reason: string): Promise<void> {
  await client.workflow.getHandle(workflowId).signal(cancelRunSignal, reason);
}
