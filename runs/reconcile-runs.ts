import type { Client } from '@temporalio/client';
import { and, eq, gte, or, sql } from 'drizzle-orm';
import { events, journeyRuns } from '../db/schema.js';
import type { Queryable } from '../db/queryable.js';
import { eventsOfInterest, journeyWorkflowId, type RunEvent } from '../domain/journey-runtime.js';
import { planRunMerges } from '../domain/run-merge.js';
import type { JourneyCatalog } from '../catalog/catalog-cache.js';
import type { Logger } from '../infra/logger.js';
import {
  signalCustomerMerged,
  signalJourneyRun,
  signalMergedInto,
} from '../workflows/journey-run/lifecycle.js';
import type { RunRow } from './run-records.js';
import { routedEventsOfInterest } from './routed-events.js';

/** A run handed over at a merge learns at most this many of the ended run's events. */
const maxHandedOver = 50;

interface Reconciling {
  client: Client;
  logger: Logger;
  catalog: JourneyCatalog;
}

export interface ReconcileInput {
  /** The surviving customer; its running runs are `running` (read under the route lock). */
  customerId: string;
  running: RunRow[];
  /** This message merged customers into `customerId`. */
  merged: boolean;
  now: Date;
}

/**
 * One run per (journey, customer, entry key) after customers merge (domain/run-merge.ts): the
 * first started goes on and receives the others' trigger and later events; the others end at once
 * with outcome `merged`. Runs started for a merged customer follow the survivor. Done when a
 * message merged customers and whenever the running runs show a duplicate (a merge whose routing
 * failed half way heals on the customer's next event). Returns the runs still running.
 */
export async function reconcileRuns(routing: Reconciling, q: Queryable, input: ReconcileInput) {
  const plan = planRunMerges(input.running);
  const ended = new Set<string>();
  for (const { keeper, losers } of plan) {
    for (const loser of losers) {
      await handOver(routing, q, input, keeper, loser);
      ended.add(loser.runId);
    }
  }
  const going = input.running.filter((run) => !ended.has(run.runId));
  if (!input.merged && plan.length === 0) return going;
  for (const run of going) {
    if (run.workflowId === journeyWorkflowId(run.journeyId, input.customerId, run.entryKey)) continue;
    await signalCustomerMerged(routing.client, run, input.customerId);
  }
  return going;
}

/** Ends `loser` (its row first, so the delivery guard and later routing see it) and hands its events over. */
async function handOver(
  { client, catalog, logger }: Reconciling,
  q: Queryable,
  input: ReconcileInput,
  keeper: RunRow,
  loser: RunRow,
) {
  await q
    .update(journeyRuns)
    .set({
      status: 'merged',
      reason: `merged into run ${keeper.runId}`,
      endedAt: input.now,
      mergedIntoRunId: keeper.runId,
    })
    .where(and(eq(journeyRuns.runId, loser.runId), eq(journeyRuns.status, 'running')));
  await signalMergedInto(client, loser, {
    runId: keeper.runId,
    workflowId: keeper.workflowId,
    customerId: input.customerId,
  });
  const definition = await catalog.atVersion(q, keeper.journeyId, keeper.journeyVersion);
  if (!definition) return;
  const handed = await eventsSinceTrigger(q, input.customerId, loser, eventsOfInterest(definition));
  for (const event of handed) await signalJourneyRun(client, keeper, event);
  logger.info(
    { journeyId: keeper.journeyId, keeper: keeper.runId, merged: loser.runId, events: handed.length },
    'customers merged: one run goes on for the entry',
  );
}

/** The ended run's trigger and the customer's routed events since it that the keeper may react to. */
async function eventsSinceTrigger(
  q: Queryable,
  customerId: string,
  loser: RunRow,
  names: ReadonlySet<string>,
): Promise<RunEvent[]> {
  const trigger = loser.triggerMessageId ?? '';
  const since = loser.triggerMessageId
    ? sql`(select min(t.occurred_at) from events t where t.message_id = ${trigger})`
    : sql`${loser.startedAt.toISOString()}::timestamptz`;
  return routedEventsOfInterest(q, {
    customerId,
    names,
    where: or(eq(events.messageId, trigger), gte(events.occurredAt, since)),
    limit: maxHandedOver,
  });
}
