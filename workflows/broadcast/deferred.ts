import { continueAsNew, setCurrentDetails, sleep } from '@temporalio/workflow';
import { batches, bookkeeping } from './activities.js';

export interface DeferredSendsInput {
  broadcastId: string;
  /** Customers per batch (the broadcast's). */
  batchSize: number;
  /** Messages sent so far by this workflow's earlier runs (continue-as-new). */
  sent?: number;
}

export interface DeferredSendsResult {
  broadcastId: string;
  sent: number;
  /** Why it stopped: nothing deferred is left, or the broadcast was cancelled. */
  end: 'done' | 'cancelled';
}

/** Rounds (a read, then a batch or a sleep) before continuing as new: bounded history. */
const roundsPerRun = 200;

/**
 * A broadcast's recipients deferred to their quiet-hours window (`broadcast-deferred-<id>`, started
 * by the broadcast when its pass ends with some deferred): sleeps until the earliest window opens,
 * hands the due recipients to the batch (each decided again as things stand then, and sent once, in
 * its own ledger row), and so on until none is deferred. A cancelled broadcast ends it.
 */
export async function broadcastDeferredSends(input: DeferredSendsInput): Promise<DeferredSendsResult> {
  const { broadcastId, batchSize } = input;
  let sent = input.sent ?? 0;
  for (let round = 0; round < roundsPerRun; round++) {
    const { status, due, nextAt } = await bookkeeping.broadcastDeferredDue({ broadcastId, limit: batchSize });
    if (status === 'cancelled') return { broadcastId, sent, end: 'cancelled' };
    if (due.length > 0) {
      setCurrentDetails(
        `Broadcast \`${broadcastId}\` · deferred sends: ${due.length} due now (${sent} sent)`,
      );
      const outcome = await batches.deliverDeferredBatch({ broadcastId, customerIds: due });
      sent += outcome.statuses.sent ?? 0;
      continue;
    }
    if (nextAt === null) return { broadcastId, sent, end: 'done' };
    setCurrentDetails(`Broadcast \`${broadcastId}\` · deferred sends: next at ${nextAt} (${sent} sent)`);
    await sleep(Math.max(0, Date.parse(nextAt) - Date.now()));
  }
  return continueAsNew<typeof broadcastDeferredSends>({ ...input, sent });
}
