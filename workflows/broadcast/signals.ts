import { defineQuery, defineSignal } from '@temporalio/workflow';

/** The broadcast workflow's contract with the world: its input, signals and query. */

export interface BroadcastInput {
  broadcastId: string;
  /** Customers per batch (default 500, at most 2,000). */
  batchSize?: number;
  /** Pages a run handles before it continues as new (bounded history; default 40). */
  pagesPerRun?: number;
  /** Batches in flight at once (default 4). */
  batchesInFlight?: number;
  /** Set by continue-as-new: where the previous run stopped. */
  state?: BroadcastState;
}

export interface BroadcastState {
  segmentId: string;
  startedAt: string;
  audienceTotal: number;
  /** The last customer id handed to a batch; null before the first. */
  cursor: string | null;
  processed: number;
  /** Ledger statuses of the customers processed so far. */
  statuses: Record<string, number>;
  paused: boolean;
  pages: number;
}

export interface BroadcastProgressView {
  broadcastId: string;
  status: 'scheduled' | 'running' | 'paused' | 'cancelled' | 'completed';
  processed: number;
  audienceTotal: number | null;
  percent: number | null;
  etaSeconds: number | null;
  cursor: string | null;
  statuses: Record<string, number>;
}

/**
 * Who sent a pause or resume: `stored` when the sender (runs/broadcast-control.ts) stored the status
 * first, so the workflow must not write it again (a late write would undo a resume that came
 * meanwhile). A signal from the Temporal UI carries none: the workflow stores the status itself.
 */
export interface ControlOrigin {
  stored?: boolean;
}

export const pauseBroadcastSignal = defineSignal<[ControlOrigin?]>('pause');
export const resumeBroadcastSignal = defineSignal<[ControlOrigin?]>('resume');
export const cancelBroadcastSignal = defineSignal('cancel');
export const broadcastProgressQuery = defineQuery<BroadcastProgressView>('progress');
