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

export const pauseBroadcastSignal = defineSignal('pause');
export const resumeBroadcastSignal = defineSignal('resume');
export const cancelBroadcastSignal = defineSignal('cancel');
export const broadcastProgressQuery = defineQuery<BroadcastProgressView>('progress');
