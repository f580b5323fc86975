import {
  condition,
  continueAsNew,
  setCurrentDetails,
  patched,
  setHandler,
  startChild,
} from '@temporalio/workflow';
import { broadcastDeferredSends } from './deferred.js';
import { batches, bookkeeping } from './activities.js';
import type { BroadcastActivities } from '../../activities/broadcast-activities.js';
import {
  broadcastProgress,
  defaultBroadcastBatchSize,
  deferredSendsWorkflowId,
  formatDuration,
  maxBroadcastBatchSize,
} from '../../domain/broadcast.js';
import {
  broadcastProgressQuery,
  cancelBroadcastSignal,
  pauseBroadcastSignal,
  resumeBroadcastSignal,
  type BroadcastInput,
  type BroadcastProgressView,
  type BroadcastState,
} from './signals.js';

const defaultPagesPerRun = 40;

/**
 * Batches in flight at once: each holds other customers (no lock waits between them), and a batch
 * spends most of its time waiting on PostgreSQL, Temporal and providers: four keep the worker busy
 * (10,000 customers with the no-op adapter: 740 a second with one in flight, 1,020 with two, 1,500 with four).
 */
const defaultBatchesInFlight = 4;

type BatchOutcome = Awaited<ReturnType<BroadcastActivities['deliverBroadcastBatch']>>;

interface Paging {
  broadcastId: string;
  batchSize: number;
  pages: number;
  inFlight: number;
  stop: () => 'cancel' | 'pause' | undefined;
  whilePaused: () => Promise<void>;
  show: () => void;
}

/**
 * Up to `pages` pages from the cursor: the next page is read while batches run, at most `inFlight`
 * batches at once, and the state (cursor, processed, statuses) moves on in page order as each
 * settles. A pause or cancel lets the batches in flight finish first.
 */
async function sendPages(run: BroadcastState, paging: Paging): Promise<'completed' | 'cancelled' | 'more'> {
  const { broadcastId, batchSize } = paging;
  const flight: { ids: string[]; outcome: Promise<BatchOutcome> }[] = [];
  let cancelled = false;
  const settleOldest = async () => {
    const done = flight.shift();
    if (!done) return;
    const outcome = await done.outcome;
    cancelled ||= outcome.cancelled;
    run.cursor = done.ids.at(-1) ?? run.cursor;
    run.processed += done.ids.length;
    run.pages++;
    for (const [key, n] of Object.entries(outcome.statuses))
      run.statuses[key] = (run.statuses[key] ?? 0) + (n ?? 0);
    paging.show();
  };
  const page = (cursor: string | null) => bookkeeping.broadcastPage({ ...run, cursor, limit: batchSize });
  let next = page(run.cursor);
  let dispatched = run.processed;
  let exhausted = false;
  for (let n = 0; n < paging.pages && !exhausted && !cancelled; n++) {
    if (paging.stop() === 'pause') {
      while (flight.length > 0) await settleOldest();
      await paging.whilePaused();
    }
    if (paging.stop() === 'cancel') break;
    const ids = await next;
    exhausted = ids.length < batchSize;
    if (ids.length === 0) break;
    if (!exhausted && n + 1 < paging.pages) next = page(ids.at(-1) ?? null);
    dispatched += ids.length;
    const outcome = batches.deliverBroadcastBatch({
      broadcastId,
      customerIds: ids,
      processedAfter: dispatched,
    });
    flight.push({ ids, outcome });
    if (flight.length >= paging.inFlight) await settleOldest();
  }
  while (flight.length > 0) await settleOldest();
  if (cancelled || paging.stop() === 'cancel') return 'cancelled';
  return exhausted ? 'completed' : 'more';
}

/**
 * One broadcast (`broadcast-<id>`): waits for its scheduled time, fixes its audience, then pages
 * through it in customer-id order and hands each page to the batch-deliver activity. The cursor
 * lives in the workflow's state and in `broadcasts.cursor`; every `pagesPerRun` pages it continues
 * as new (bounded history). Exactly-once per customer is the ledger's (each customer's row under the
 * broadcast's key); the workflow only decides what to ask next. `pause` stops between batches,
 * `cancel` stops at the next batch (a batch in flight decides nothing once cancelled).
 */
export async function broadcast(input: BroadcastInput): Promise<BroadcastProgressView> {
  const { broadcastId } = input;
  const batchSize = Math.min(
    Math.max(1, input.batchSize ?? defaultBroadcastBatchSize),
    maxBroadcastBatchSize,
  );
  let cancelled = false;
  let state: BroadcastState | undefined = input.state;
  let paused = state?.paused ?? false;
  let status: BroadcastProgressView['status'] = state ? (paused ? 'paused' : 'running') : 'scheduled';
  const view = () => viewOf(broadcastId, status, state);
  // Whether the last pause or resume came with its status stored by the sender (signals.ts).
  let storedBySender = false;
  setHandler(pauseBroadcastSignal, (origin) => void ((paused = true), (storedBySender = !!origin?.stored)));
  setHandler(resumeBroadcastSignal, (origin) => void ((paused = false), (storedBySender = !!origin?.stored)));
  setHandler(cancelBroadcastSignal, () => void (cancelled = true));
  setHandler(broadcastProgressQuery, view);

  if (!state) {
    const due = await bookkeeping.broadcastSchedule(broadcastId);
    const wait = due.scheduledAt ? Date.parse(due.scheduledAt) - Date.now() : 0;
    if (wait > 0) {
      setCurrentDetails(`Broadcast \`${broadcastId}\`: scheduled for ${due.scheduledAt}`);
      await condition(() => cancelled, wait);
    }
    if (cancelled || due.status === 'cancelled') return finish('cancelled');
    const begun = await bookkeeping.broadcastBegin(broadcastId);
    state = { ...begun, statuses: {}, paused, pages: 0 };
    if (begun.status === 'cancelled') return finish('cancelled');
  }
  status = paused ? 'paused' : 'running';
  const end = await sendPages(state, {
    broadcastId,
    batchSize,
    pages: input.pagesPerRun ?? defaultPagesPerRun,
    inFlight: Math.max(1, input.batchesInFlight ?? defaultBatchesInFlight),
    stop: () => (cancelled ? 'cancel' : paused ? 'pause' : undefined),
    whilePaused,
    show: () => showDetails(view()),
  });
  if (end !== 'more') return finish(end);
  return continueAsNew<typeof broadcast>({ ...input, state: { ...state, paused } });

  /**
   * The status is the sender's to store when it did (a write here after the batches in flight
   * settled could land after a resume and show `paused` while it runs); a pause this workflow stored
   * is undone here too.
   */
  async function whilePaused() {
    status = 'paused';
    showDetails(view());
    const storePause = !(storedBySender && patched('broadcast-status-stored-by-sender'));
    if (storePause) await bookkeeping.broadcastFinish(broadcastId, 'paused');
    await condition(() => !paused || cancelled);
    if (cancelled) return;
    status = 'running';
    if (storePause || !storedBySender) await bookkeeping.broadcastFinish(broadcastId, 'running');
    showDetails(view());
  }

  async function finish(end: 'completed' | 'cancelled') {
    await bookkeeping.broadcastFinish(broadcastId, end);
    // Recipients deferred to their quiet-hours window are sent when it opens, by a workflow of their own.
    if (end === 'completed' && (state?.statuses.deferred ?? 0) > 0 && patched('broadcast-deferred-sends'))
      await startDeferredSends(broadcastId, batchSize);
    status = end;
    const final = view();
    showDetails(final);
    return final;
  }
}

async function startDeferredSends(broadcastId: string, batchSize: number): Promise<void> {
  try {
    await startChild(broadcastDeferredSends, {
      workflowId: deferredSendsWorkflowId(broadcastId),
      args: [{ broadcastId, batchSize }],
      parentClosePolicy: 'ABANDON',
    });
  } catch (error) {
    // Started by an earlier attempt of this run: it is already doing the work.
    if (!(error instanceof Error && error.name === 'WorkflowExecutionAlreadyStartedError')) throw error;
  }
}

/** The run's "current details" in the Temporal UI: progress, rate-based ETA and the statuses so far. */
function showDetails(view: BroadcastProgressView) {
  const eta = view.etaSeconds === null ? '' : ` · ETA ${formatDuration(view.etaSeconds)}`;
  const counts = Object.entries(view.statuses)
    .map(([key, n]) => `${key} ${n}`)
    .join(', ');
  setCurrentDetails(
    `**Broadcast \`${view.broadcastId}\`** · ${view.status} · ${view.percent ?? 0}% (${view.processed} of ${view.audienceTotal ?? '?'})${eta}${counts ? `\n\n${counts}` : ''}`,
  );
}

function viewOf(
  broadcastId: string,
  status: BroadcastProgressView['status'],
  state: BroadcastState | undefined,
): BroadcastProgressView {
  return {
    broadcastId,
    status,
    cursor: state?.cursor ?? null,
    statuses: state?.statuses ?? {},
    ...broadcastProgress({
      processed: state?.processed ?? 0,
      audienceTotal: state?.audienceTotal ?? null,
      startedAt: state ? new Date(state.startedAt) : null,
      now: new Date(),
    }),
  };
}
