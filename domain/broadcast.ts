/**
 * A broadcast's names and arithmetic, shared by its workflow (deterministic sandbox), the batch
 * reservation and the CLI: pure, no I/O.
 */

/** One workflow per broadcast: a second start of the same broadcast is refused by Temporal. */
export const broadcastWorkflowId = (broadcastId: string) => `broadcast-${broadcastId}`;
/** The workflow that sends a broadcast's quiet-hours deferrals when each window opens. */
export const deferredSendsWorkflowId = (broadcastId: string) => `broadcast-deferred-${broadcastId}`;

/** The ledger key of a broadcast's message to one customer: a retried batch finds its rows by it. */
export const broadcastDedupKey = (broadcastId: string, customerId: string) =>
  `broadcast:${broadcastId}:${customerId}`;

/** A broadcast's own intent, so the same broadcast never reaches a customer twice within the window. */
export const broadcastIntentKey = (broadcastId: string) => `broadcast:${broadcastId}`;

/** Customers per batch unless set: one reservation round trip and one ledger insert each. */
export const defaultBroadcastBatchSize = 500;

/** The most a batch may hold: its ledger insert stays far below PostgreSQL's 65,535 parameters. */
export const maxBroadcastBatchSize = 2_000;

/** Broadcast ids follow the journey-id rule: lower-case letters, digits and dashes. */
export const broadcastIdPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface BroadcastProgress {
  processed: number;
  audienceTotal: number | null;
  /** 0–100, one decimal; null before the audience is counted. */
  percent: number | null;
  /** Seconds left at the rate so far; null until there is a rate. */
  etaSeconds: number | null;
}

/** Progress and ETA from the counters: the rate so far (processed over the time since it began). */
export function broadcastProgress(input: {
  processed: number;
  audienceTotal: number | null;
  startedAt: Date | null;
  now: Date;
}): BroadcastProgress {
  const { processed, audienceTotal, startedAt, now } = input;
  if (audienceTotal === null) return { processed, audienceTotal, percent: null, etaSeconds: null };
  const done = Math.min(processed, audienceTotal);
  const percent = audienceTotal === 0 ? 100 : Math.floor((done / audienceTotal) * 1000) / 10;
  const elapsed = startedAt ? (now.getTime() - startedAt.getTime()) / 1000 : 0;
  const rate = elapsed > 0 ? done / elapsed : 0;
  const etaSeconds = done >= audienceTotal ? 0 : rate > 0 ? Math.ceil((audienceTotal - done) / rate) : null;
  return { processed, audienceTotal, percent, etaSeconds };
}

/** "1h 02m 05s", "45s": an ETA for people. */
export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m ${String(s).padStart(2, '0')}s`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}
