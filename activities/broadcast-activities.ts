import { Context } from '@temporalio/activity';
import {
  audiencePage,
  beginBroadcast,
  getBroadcast,
  recordBroadcastProgress,
  setBroadcastStatus,
} from '../audiences/broadcast-store.js';
import type { Database } from '../db/client.js';
import { deferredDue, type DeferredDue } from '../audiences/broadcast-deferred.js';
import type { BatchDelivery, BatchOutcome } from '../delivery/batch-delivery.js';

const heartbeatEveryMs = 2_000;

/** What the broadcast workflow keeps of its broadcast between pages (JSON: dates as ISO strings). */
export interface BroadcastStart {
  segmentId: string;
  status: string;
  scheduledAt: string | null;
  startedAt: string;
  audienceTotal: number;
  cursor: string | null;
  processed: number;
}

/**
 * One batch through the send decision and the providers (delivery/batch-delivery.ts). It heartbeats
 * while it works: a worker killed mid-batch is noticed within the heartbeat timeout and the batch
 * runs again, finding its ledger rows (no second message).
 */
async function deliverHeartbeating(
  delivery: BatchDelivery,
  broadcastId: string,
  customerIds: string[],
): Promise<BatchOutcome> {
  const context = Context.current();
  const beat = setInterval(() => context.heartbeat(), heartbeatEveryMs);
  context.heartbeat();
  try {
    return await delivery.deliverBatch(broadcastId, customerIds, {
      signal: context.cancellationSignal,
      attempt: context.info.attempt,
      progress: () => context.heartbeat(),
    });
  } finally {
    clearInterval(beat);
  }
}

const startOf = (row: Awaited<ReturnType<typeof beginBroadcast>>): BroadcastStart => ({
  segmentId: row.segmentId,
  status: row.status,
  scheduledAt: row.scheduledAt?.toISOString() ?? null,
  startedAt: (row.startedAt ?? new Date()).toISOString(),
  audienceTotal: row.audienceTotal ?? 0,
  cursor: row.cursor,
  processed: row.processed,
});

/** Activities a broadcast's workflow calls: begin it, page its audience, deliver a batch, end it. */
export function createBroadcastActivities(db: Database, delivery: BatchDelivery) {
  return {
    /** When it is due (its workflow sleeps until then), without beginning it. */
    async broadcastSchedule(broadcastId: string): Promise<{ scheduledAt: string | null; status: string }> {
      const row = await getBroadcast(db, broadcastId);
      if (!row) throw new Error(`broadcast ${broadcastId} not found`);
      return { scheduledAt: row.scheduledAt?.toISOString() ?? null, status: row.status };
    },

    /** Fixes its start and audience size once; a retried or continued workflow reads them back. */
    async broadcastBegin(broadcastId: string): Promise<BroadcastStart> {
      return startOf(await beginBroadcast(db, broadcastId, new Date()));
    },

    broadcastPage(input: {
      segmentId: string;
      startedAt: string;
      cursor: string | null;
      limit: number;
    }): Promise<string[]> {
      return audiencePage(
        db,
        { segmentId: input.segmentId, startedAt: new Date(input.startedAt) },
        input.cursor,
        input.limit,
      );
    },

    /**
     * One batch through the send decision and the providers (delivery/batch-delivery.ts), then the
     * cursor and count. It heartbeats while it works: a worker killed mid-batch is noticed within
     * the heartbeat timeout and the batch runs again, finding its ledger rows (no second message).
     */
    async deliverBroadcastBatch(input: {
      broadcastId: string;
      customerIds: string[];
      /** The broadcast's processed count once this batch is done. */
      processedAfter: number;
    }): Promise<BatchOutcome> {
      const outcome = await deliverHeartbeating(delivery, input.broadcastId, input.customerIds);
      const last = input.customerIds.at(-1);
      if (last && !outcome.cancelled)
        await recordBroadcastProgress(db, input.broadcastId, last, input.processedAfter);
      return outcome;
    },

    /** The deferred recipients due now (none once it is cancelled), and the next release time. */
    async broadcastDeferredDue(input: {
      broadcastId: string;
      limit: number;
    }): Promise<DeferredDue & { status: string }> {
      const row = await getBroadcast(db, input.broadcastId);
      if (!row) throw new Error(`broadcast ${input.broadcastId} not found`);
      if (row.status === 'cancelled') return { status: row.status, due: [], nextAt: null };
      return { status: row.status, ...(await deferredDue(db, input.broadcastId, new Date(), input.limit)) };
    },

    /**
     * Deferred recipients whose window has come, through the same batch: each decided again
     * (consent, caps, quiet hours as they stand now) and sent once, in its row; progress stays.
     */
    deliverDeferredBatch(input: { broadcastId: string; customerIds: string[] }): Promise<BatchOutcome> {
      return deliverHeartbeating(delivery, input.broadcastId, input.customerIds);
    },

    /** Completed (unless cancelled meanwhile) or cancelled; returns whether it changed. */
    broadcastFinish(
      broadcastId: string,
      status: 'completed' | 'cancelled' | 'running' | 'paused',
    ): Promise<boolean> {
      return setBroadcastStatus(db, broadcastId, status);
    },
  };
}

export type BroadcastActivities = ReturnType<typeof createBroadcastActivities>;
