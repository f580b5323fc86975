import { and, eq, gte, inArray } from 'drizzle-orm';
import type { Queryable } from '../db/queryable.js';
import { deliveries, events, journeyRuns, runStatuses, type RunStatus } from '../db/schema.js';
import { orderTotal } from '../domain/commerce.js';
import { parseDuration } from '../domain/duration.js';
import type { JourneyDefinition } from '../domain/journey-definition.js';
import { matches, type RunEvent } from '../domain/journey-runtime.js';
import { toRunEvent } from '../customers/stored-event.js';

interface StepStats {
  id: string;
  type: string;
  /** Runs whose send reached this step (one ledger decision each). */
  reached: number;
  /** Runs at this step now, from Temporal's visibility; null when Temporal was not asked. */
  waiting: number | null;
  /** Runs messaged at this step, per channel. */
  messaged: Record<string, number>;
  skipped: Record<string, number>;
  /** Sends skipped or deferred by a delivery policy rule (a cap, quiet hours), per rule id. */
  byRule: Record<string, number>;
  deferred: number;
  failed: number;
  /** Conversions whose last message before converting came from this step. */
  convertedAfter: number;
}

export interface JourneyStats {
  journeyId: string;
  since: string | null;
  entered: number;
  outcomes: Record<RunStatus, number>;
  /** Runs that reached the goal within `goal.within` of entering, while running or after. */
  converted: number;
  conversionRate: number;
  /** Sum of the goal events' `total` (else `revenue`) for those conversions. */
  revenue: number;
  conversionWindow: string | null;
  steps: StepStats[];
}

const sentStatuses = ['sent', 'delivered'] as const;
const isSent = (status: string) => (sentStatuses as readonly string[]).includes(status);

interface ScopedRun {
  runId: string;
  customerId: string | null;
  status: RunStatus;
  startedAt: Date;
  endedAt: Date | null;
  triggerMessageId: string | null;
}

interface LedgerRow {
  runId: string | null;
  stepId: string | null;
  channel: string | null;
  status: string;
  reason: string | null;
  rule: string | null;
  createdAt: Date;
}

type Conversions = Map<string, { at: Date; revenue: number }>;

/**
 * The funnel of one journey over runs that entered since `since`. Conversions are attributed from
 * the stored events, so a goal reached after the run ended still counts when it falls inside the
 * journey's conversion window (`goal.within` from entering).
 */
export async function journeyStats(
  db: Queryable,
  definition: JourneyDefinition,
  options: { since?: Date; waitingAt?: (stepId: string) => Promise<number> } = {},
): Promise<JourneyStats> {
  const inScope = and(
    eq(journeyRuns.journeyId, definition.id),
    options.since ? gte(journeyRuns.startedAt, options.since) : undefined,
  );
  const runs: ScopedRun[] = await db
    .select({
      runId: journeyRuns.runId,
      customerId: journeyRuns.customerId,
      status: journeyRuns.status,
      startedAt: journeyRuns.startedAt,
      endedAt: journeyRuns.endedAt,
      triggerMessageId: journeyRuns.triggerMessageId,
    })
    .from(journeyRuns)
    .where(inScope);

  const outcomes = Object.fromEntries(runStatuses.map((s) => [s, 0])) as Record<RunStatus, number>;
  for (const run of runs) outcomes[run.status]++;

  const ledger: LedgerRow[] = await db
    .select({
      runId: deliveries.runId,
      stepId: deliveries.stepId,
      channel: deliveries.channel,
      status: deliveries.status,
      reason: deliveries.reason,
      rule: deliveries.rule,
      createdAt: deliveries.createdAt,
    })
    .from(deliveries)
    .innerJoin(journeyRuns, eq(deliveries.runId, journeyRuns.runId))
    .where(inScope);

  // A run merged into another (customers merged) was no entry of its own: the run that went on
  // stands for both, in entries and conversions; its outcome is still counted.
  const entries = runs.filter((run) => run.status !== 'merged');
  const converted = await conversionsOf(db, definition, entries);
  const steps = await stepStats(definition, ledger, options.waitingAt);
  attributeLastTouch(steps, ledger, converted);

  const revenue = [...converted.values()].reduce((sum, c) => sum + c.revenue, 0);
  return {
    journeyId: definition.id,
    since: options.since?.toISOString() ?? null,
    entered: entries.length,
    outcomes,
    converted: converted.size,
    conversionRate: entries.length > 0 ? converted.size / entries.length : 0,
    revenue: Math.round(revenue * 100) / 100,
    conversionWindow: definition.goal?.within ?? null,
    steps,
  };
}

/** Conversions: the first goal event of the customer inside [entered, entered + within]. */
async function conversionsOf(
  db: Queryable,
  definition: JourneyDefinition,
  runs: ScopedRun[],
): Promise<Conversions> {
  const converted: Conversions = new Map();
  const goal = definition.goal;
  const windowMs = goal?.within ? (parseDuration(goal.within) ?? 0) : 0;
  if (!goal || runs.length === 0) return converted;
  const customerIds = [...new Set(runs.map((r) => r.customerId).filter((id): id is string => id !== null))];
  const earliest = new Date(Math.min(...runs.map((r) => r.startedAt.getTime())) - 60_000);
  const goalRows = customerIds.length
    ? await db
        .select()
        .from(events)
        .where(
          and(
            eq(events.name, goal.event),
            inArray(events.customerId, customerIds),
            gte(events.occurredAt, earliest),
          ),
        )
        .orderBy(events.occurredAt)
    : [];
  // Each customer's goal events, converted once, in time order.
  const goalEvents = new Map<
    string,
    { at: number; event: RunEvent; properties: Record<string, unknown> }[]
  >();
  for (const row of goalRows) {
    const list = goalEvents.get(row.customerId) ?? [];
    list.push({ at: row.occurredAt.getTime(), event: toRunEvent(row), properties: row.properties });
    goalEvents.set(row.customerId, list);
  }
  const triggerIds = runs.map((r) => r.triggerMessageId).filter((id): id is string => id !== null);
  const triggers = new Map(
    (triggerIds.length
      ? await db.select().from(events).where(inArray(events.messageId, triggerIds))
      : []
    ).map((row) => [row.messageId, toRunEvent(row)]),
  );
  for (const run of runs) {
    const trigger = run.triggerMessageId ? triggers.get(run.triggerMessageId) : undefined;
    // A goal sent together with the trigger may carry a slightly earlier time than the run's start.
    const from = run.startedAt.getTime() - 60_000;
    const until = windowMs > 0 ? run.startedAt.getTime() + windowMs : (run.endedAt?.getTime() ?? Date.now());
    const hit = (run.customerId ? goalEvents.get(run.customerId) : undefined)?.find(
      (e) => e.at >= from && e.at <= until && matches(goal, e.event, { trigger }),
    );
    if (hit) converted.set(run.runId, { at: new Date(hit.at), revenue: orderTotal(hit.properties) });
    else if (run.status === 'converted')
      converted.set(run.runId, { at: run.endedAt ?? run.startedAt, revenue: 0 });
  }
  return converted;
}

/** Per step: what the ledger says, and how many runs wait there now (asked one step at a time). */
async function stepStats(
  definition: JourneyDefinition,
  ledger: LedgerRow[],
  waitingAt: ((stepId: string) => Promise<number>) | undefined,
): Promise<StepStats[]> {
  const steps: StepStats[] = [];
  for (const step of definition.steps) {
    const rows = ledger.filter((d) => d.stepId === step.id);
    const byRun = (predicate: (d: LedgerRow) => boolean) =>
      new Set(rows.filter(predicate).map((d) => d.runId)).size;
    const messaged: Record<string, number> = {};
    const skipped: Record<string, number> = {};
    const byRule: Record<string, number> = {};
    for (const d of rows) {
      if (d.rule) byRule[d.rule] = (byRule[d.rule] ?? 0) + 1;
      if (isSent(d.status) && d.channel) messaged[d.channel] = (messaged[d.channel] ?? 0) + 1;
      if (d.status === 'skipped') {
        const reason = d.reason ?? 'unknown';
        skipped[reason] = (skipped[reason] ?? 0) + 1;
      }
    }
    steps.push({
      id: step.id,
      type: step.type,
      reached: step.type === 'send' ? byRun(() => true) : 0,
      waiting: waitingAt ? await waitingAt(step.id) : null,
      messaged,
      skipped,
      byRule,
      deferred: rows.filter((d) => d.status === 'deferred').length,
      failed: byRun((d) => d.status === 'failed'),
      convertedAfter: 0,
    });
  }
  return steps;
}

/** Last touch: the step of the last message sent to the run before it converted. */
function attributeLastTouch(steps: StepStats[], ledger: LedgerRow[], converted: Conversions): void {
  for (const [runId, conversion] of converted) {
    const last = ledger
      .filter(
        (d) => d.runId === runId && isSent(d.status) && d.createdAt.getTime() <= conversion.at.getTime(),
      )
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
    const step = last ? steps.find((s) => s.id === last.stepId) : undefined;
    if (step) step.convertedAfter++;
  }
}

/** Runs at each step now, from Temporal visibility (JourneyStep is kept current by the workflow). */
export function visibilityWaitingCounter(
  count: (query: string) => Promise<number>,
  journeyId: string,
): (stepId: string) => Promise<number> {
  const quote = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return (stepId) =>
    count(`JourneyId=${quote(journeyId)} AND JourneyStep=${quote(stepId)} AND ExecutionStatus='Running'`);
}

/** `--since` / `?since=`: a duration back from now (7d, 12h) or an ISO date; undefined if neither. */
export function parseSince(text: string, now = new Date()): Date | undefined {
  const ms = parseDuration(text);
  if (ms !== undefined) return new Date(now.getTime() - ms);
  const date = /^\d{4}-\d{2}-\d{2}/.test(text) ? new Date(text) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}
