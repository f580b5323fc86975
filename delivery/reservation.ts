import { and, eq, gt, inArray, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { pipelinedTransaction } from '../db/pipelined-transaction.js';
import { deliveries, journeyRuns } from '../db/schema.js';
import type { Channel } from '../domain/channels.js';
import {
  decideDelivery,
  defaultIntentWindowMs,
  defaultPausedRecheckMs,
  pausedRecheckMs,
} from '../domain/delivery-decision.js';
import { journeyStateRead } from '../catalog/journey-state.js';
import { defaultCaps, type CapRule } from '../domain/frequency-caps.js';
import { mergedStepRow, runGoingOnInstead } from '../domain/run-merge.js';
import type { Queryable } from '../db/queryable.js';
import type { SendOutcome } from '../domain/journey-runtime.js';
import { defaultQuietHours, type QuietHours } from '../domain/quiet-hours.js';
import { capsHit } from '../infra/metrics.js';
import { countedAt, customerLocks, firstHorizonMs, rowsForPolicy } from './ledger-reads.js';
import { contactFacts, contactOf, contactReads, type CustomerContact } from './customer-contact.js';
import type { DeliveryRequest } from './delivery-request.js';
import { runStopDecision, runStopRead } from './run-exit-check.js';
import { countedStatuses, insertDecision, outcomeOf, type LedgerRow } from './ledger.js';
import { latestPolicyRead, policyCache, type PolicyCache } from './policy-store.js';

/** The pipeline's settings for the decision; unset ones take the defaults. */
export interface ReservationSettings {
  /** Caps while no delivery policy is deployed (a deployed policy's caps replace them). */
  caps?: readonly CapRule[];
  /** Quiet hours while no delivery policy is deployed (likewise). */
  quietHours?: QuietHours;
  /** Zone for customers whose profile and phone say nothing. */
  defaultTimeZone?: string;
  /** Default window in which one intent is not repeated. */
  defaultIntentWindowMs?: number;
  /** How long a send held by a paused journey waits before asking again (default 1 minute). */
  pausedRecheckMs?: number;
  now?: () => Date;
}

/** The settings with their defaults, and the channels that have an adapter. */
export interface ReservationRules {
  /** The deployed delivery policy's caps and quiet hours, read by every send (the settings' until one is). */
  policy: PolicyCache;
  defaultTimeZone: string | undefined;
  defaultIntentWindowMs: number;
  pausedRecheckMs: number;
  configured: ReadonlySet<Channel>;
  now: () => Date;
}

export function reservationRules(settings: ReservationSettings, configured: Channel[]): ReservationRules {
  return {
    policy: policyCache({
      caps: settings.caps ?? defaultCaps,
      quietHours: settings.quietHours ?? defaultQuietHours,
    }),
    now: settings.now ?? (() => new Date()),
    defaultTimeZone: settings.defaultTimeZone,
    defaultIntentWindowMs: settings.defaultIntentWindowMs ?? defaultIntentWindowMs,
    pausedRecheckMs: settings.pausedRecheckMs ?? defaultPausedRecheckMs,
    configured: new Set(configured),
  };
}

/**
 * This step's own row (a retry, a replay or a racing duplicate), the rows caps and intents count,
 * and this step's rows from runs merged into this one.
 */
function ledgerRead(tx: Queryable, request: DeliveryRequest, customerId: string, horizon: Date, at: Date) {
  const counted = countedAt(at);
  return tx
    .select()
    .from(deliveries)
    .where(
      or(
        eq(deliveries.dedupKey, request.dedupKey),
        and(eq(deliveries.customerId, customerId), counted, gt(deliveries.createdAt, horizon)),
        // (merged runs' rows moved to the surviving customer with them; the customer keeps this indexed)
        and(
          eq(deliveries.customerId, customerId),
          eq(deliveries.stepId, request.stepId),
          inArray(deliveries.status, [...countedStatuses]),
          inArray(
            deliveries.runId,
            tx
              .select({ runId: journeyRuns.runId })
              .from(journeyRuns)
              .where(
                and(eq(journeyRuns.customerId, customerId), eq(journeyRuns.mergedIntoRunId, request.runId)),
              ),
          ),
        ),
      ),
    );
}

/**
 * This run's row, and the customer's other runs of its journey and entry key that overlap it:
 * running ones (after a merge, the first started goes on) and ones merged into it.
 */
function runsRead(tx: Queryable, request: DeliveryRequest, customerId: string) {
  const sameEntry = sql`(${journeyRuns.journeyId}, ${journeyRuns.entryKey}) = (
    select own.journey_id, own.entry_key from journey_runs own where own.run_id = ${request.runId})`;
  return tx
    .select({
      runId: journeyRuns.runId,
      status: journeyRuns.status,
      startedAt: journeyRuns.startedAt,
      mergedIntoRunId: journeyRuns.mergedIntoRunId,
    })
    .from(journeyRuns)
    .where(
      or(
        eq(journeyRuns.runId, request.runId),
        and(
          eq(journeyRuns.customerId, customerId),
          sameEntry,
          or(eq(journeyRuns.status, 'running'), eq(journeyRuns.mergedIntoRunId, request.runId)),
        ),
      ),
    );
}

type RunRead = Awaited<ReturnType<typeof runsRead>>[number];

/** What the decision needs from the runs read: this run's status and whether another goes on instead. */
function runFacts(runId: string, runs: RunRead[]) {
  const self = runs.find((run) => run.runId === runId);
  const running = runs.filter((run) => run.status === 'running');
  return {
    runStatus: self?.status,
    goesOnInstead: self?.status === 'running' ? runGoingOnInstead(self, running) : undefined,
    mergedRunIds: new Set(runs.filter((run) => run.mergedIntoRunId === runId).map((run) => run.runId)),
  };
}

/** A merged run already sent this step (or may have): this run reports it and sends nothing. */
function mergedOutcome(row: LedgerRow): SendOutcome {
  if (row.status === 'sent' || row.status === 'delivered') return outcomeOf(row);
  return {
    status: 'skipped',
    channel: row.channel ?? undefined,
    reason: `merged: run ${row.runId} already took this step (${row.status})`,
  };
}

type Reservation =
  /** Decided without a provider call (skipped, deferred), or nothing to decide about. */
  | { kind: 'decided'; outcome: SendOutcome }
  /** This step's row from an earlier attempt (a retry, a replay or a racing duplicate). */
  | { kind: 'existing'; row: LedgerRow }
  | { kind: 'reserved'; row: LedgerRow; channel: Channel; contact: CustomerContact };

/**
 * Decide and reserve under the customer's lock. Correct under any concurrency: the decision and
 * the reservation happen in one transaction that holds a per-customer advisory lock, so two workers
 * racing for a customer's last cap slot are serialised and the second sees the first's reservation.
 *
 * After a merge, a run that another running run of its entry started before sends nothing, and a
 * step a run merged into this one already took is not taken again (domain/run-merge.ts).
 *
 * Round trips are the cost here, so it takes two: BEGIN, the lock and every read the decision
 * needs go out together (Postgres runs them in order, so the reads see the world as of holding
 * the lock; the delivery policy in force is one of them, so a deploy applies to the next send);
 * the ledger row goes out with COMMIT. The request's customer id is taken as canonical;
 * if the customer was merged since, a second batch locks and reads the surviving customer.
 */
export function reserve(
  db: Database,
  rules: ReservationRules,
  request: DeliveryRequest,
  channels: Channel[],
): Promise<Reservation> {
  return pipelinedTransaction(db, async ({ db: tx, batch, commitWith }) => {
    const at = rules.now();
    const intentWindowMs = request.intentWindowMs ?? rules.defaultIntentWindowMs;
    const horizonMs = firstHorizonMs(rules, intentWindowMs);
    const horizon = new Date(at.getTime() - horizonMs);
    const readUnderLock = (customerId: string) =>
      batch(
        customerLocks(tx, [customerId]),
        ledgerRead(tx, request, customerId, horizon, at),
        runsRead(tx, request, customerId),
        journeyStateRead(tx, request.journeyId),
        latestPolicyRead(tx),
        runStopRead(tx, request, customerId),
        ...contactReads(tx, customerId),
      );
    let [, ledger, runs, state, policyRow, stops, ...contactRows] = await readUnderLock(request.customerId);
    const mergedInto = contactRows[0][0]?.mergedIntoId;
    if (mergedInto)
      [, ledger, runs, state, policyRow, stops, ...contactRows] = await readUnderLock(mergedInto);
    const policy = rules.policy.rulesOf(policyRow[0]);
    const customerId = mergedInto ?? request.customerId;
    ledger = await rowsForPolicy({ rows: ledger, ms: horizonMs }, policy, at, (further) =>
      ledgerRead(tx, request, customerId, further, at),
    );
    const existing = ledger.find((row) => row.dedupKey === request.dedupKey);
    if (existing) return { kind: 'existing', row: existing };
    const { runStatus, goesOnInstead, mergedRunIds } = runFacts(request.runId, runs);
    const merged = mergedStepRow(ledger, { stepId: request.stepId, mergedRunIds, counted: countedStatuses });
    if (merged) return { kind: 'decided', outcome: mergedOutcome(merged) };
    const contact = contactOf(mergedInto ?? request.customerId, contactRows);
    if (!contact) return { kind: 'decided', outcome: { status: 'skipped', reason: 'customer not found' } };

    const decided = decideDelivery({
      policy: { ...request, channels, intentWindowMs },
      contact: contactFacts(contact, channels),
      recent: ledger,
      runStatus,
      goesOnInstead,
      journeyPaused:
        state[0]?.state === 'paused'
          ? { recheckMs: pausedRecheckMs(state[0].changedAt, at, rules.pausedRecheckMs) }
          : undefined,
      at,
      configured: rules.configured,
      caps: policy.caps,
      quietHours: policy.quietHours,
      defaultTimeZone: rules.defaultTimeZone,
    });
    // A goal or exit event stored since the run started ends it, signal or not (run-exit-check.ts).
    const decision = runStopDecision(request, stops) ?? decided;
    for (const rule of decision.capsHit) capsHit.inc({ rule, policy: request.overCap });
    const [[row]] = await commitWith(insertDecision(tx, request, contact.customerId, decision, at));
    if (!row) throw new Error('ledger insert returned nothing');
    if (decision.kind === 'send') return { kind: 'reserved', row, channel: decision.channel, contact };
    if (decision.kind === 'defer')
      return {
        kind: 'decided',
        outcome: {
          status: 'deferred',
          reason: decision.reason,
          until: decision.until.toISOString(),
          ...(decision.held ? { held: true } : {}),
        },
      };
    return { kind: 'decided', outcome: outcomeOf(row) };
  });
}
