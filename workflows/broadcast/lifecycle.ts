import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { broadcastWorkflowId } from '../../domain/broadcast.js';
import {
  broadcastProgressQuery,
  cancelBroadcastSignal,
  pauseBroadcastSignal,
  resumeBroadcastSignal,
  type BroadcastInput,
  type BroadcastProgressView,
} from './signals.js';
import type { broadcast } from './workflow.js';

/** The client side of a broadcast's workflow: start it, signal it, ask its progress. */

export async function startBroadcastWorkflow(
  client: Client,
  taskQueue: string,
  input: BroadcastInput & { name: string; segmentId: string; template: string },
): Promise<{ workflowId: string; runId: string }> {
  const workflowId = broadcastWorkflowId(input.broadcastId);
  const handle = await client.workflow.start<typeof broadcast>('broadcast', {
    taskQueue,
    workflowId,
    args: [{ broadcastId: input.broadcastId, batchSize: input.batchSize, pagesPerRun: input.pagesPerRun }],
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    staticSummary: `Broadcast ${input.name} · segment ${input.segmentId} · template ${input.template}`,
    staticDetails: `**${input.name}** (\`${input.broadcastId}\`): template \`${input.template}\` to the members of segment \`${input.segmentId}\` when it begins.`,
  });
  return { workflowId, runId: handle.firstExecutionRunId };
}

const signals = { pause: pauseBroadcastSignal, resume: resumeBroadcastSignal, cancel: cancelBroadcastSignal };

/** Signals the broadcast's workflow; false when it has ended (or never started). */
export async function signalBroadcast(
  client: Client,
  broadcastId: string,
  what: keyof typeof signals,
): Promise<boolean> {
  try {
    const handle = client.workflow.getHandle(broadcastWorkflowId(broadcastId));
    // The control stores the status before it signals (runs/broadcast-control.ts).
    if (what === 'cancel') await handle.signal(signals.cancel);
    else await handle.signal(signals[what], { stored: true });
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/** The running workflow's own view (progress by its state), or undefined when it has ended. */
export async function broadcastProgressOf(
  client: Client,
  broadcastId: string,
): Promise<BroadcastProgressView | undefined> {
  try {
    return await client.workflow.getHandle(broadcastWorkflowId(broadcastId)).query(broadcastProgressQuery);
  } catch {
    return undefined;
  }
}
