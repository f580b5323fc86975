import type { Client } from '@temporalio/client';
import { and, gte, ne, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { events } from '../db/schema.js';
import { mayEnter, type EntryDecision } from '../domain/entry-rules.js';
import type { JourneyDefinition } from '../domain/journey-definition.js';
import { reEntryAcrossKeys } from '../domain/journey-trigger.js';
import { eventsOfInterest, journeyWorkflowId, type RunEvent } from '../domain/journey-runtime.js';
import type { Queryable } from '../db/queryable.js';
import { pipelinedTransaction } from '../db/pipelined-transaction.js';
import type { Logger } from '../infra/logger.js';
import type { JourneyCatalog } from '../catalog/catalog-cache.js';
import { signalJourneyRun, signalWithStartJourneyRun } from '../workflows/journey-run/lifecycle.js';
import { routedEventsOfInterest } from './routed-events.js';
import { entriesSince, insertStartedRun, lastRunOf, runningRunsOf, type RunRow } from './run-records.js';

/** A run learns at most this many events that were routed before it started. */
const maxBacklog = 50;

/** What entering needs besides the connection: set once per router (or scheduled-entry activity). */
export interface Routing {
  client: Client;
  taskQueue: string;
  logger: Logger;
  catalog: JourneyCatalog;
}

/** One customer's entry into one journey version, by one trigger event under one entry key. */
export interface Entry {
  definition: JourneyDefinition;
  version: string;
  customerId: string;
  entryKey: string;
  event: RunEvent;
  /** The customer's running runs (read under the customer's routing lock). */
  running: RunRow[];
  now: Date;
}

/** What became of an entry: a run started, a running one joined, or why none. */
export type EntryOutcome = { entered: 'started' | 'joined' } | { entered: false; reason: string };

/**
 * Events that happened at or after the trigger but were routed before this run existed (two
 * devices, a client's retry, events delivered out of order): the run sees them at once, so an
 * order that arrived ahead of its add-to-cart still ends the run before anything is sent.
 */
async function backlogOf(
  q: Queryable,
  definition: JourneyDefinition,
  customerId: string,
  trigger: RunEvent,
): Promise<RunEvent[]> {
  return routedEventsOfInterest(q, {
    customerId,
    names: eventsOfInterest(definition),
    where: and(gte(events.occurredAt, new Date(trigger.occurredAt)), ne(events.messageId, trigger.messageId)),
    limit: maxBacklog,
  });
}

/**
 * Re-entry and entry limits (domain/entry-rules.ts), from the run history in Postgres (it outlives
 * Temporal's retention). The entry count is asked for only when the rules get that far.
 */
export async function entryDecision(
  q: Queryable,
  definition: JourneyDefinition,
  entry: { customerId: string; entryKey: string },
  trigger: Pick<RunEvent, 'occurredAt'>,
  now: Date,
): Promise<EntryDecision> {
  const journeyId = definition.id;
  const { customerId } = entry;
  const entryKey = reEntryAcrossKeys(definition.trigger) ? undefined : entry.entryKey;
  const lastRun = await lastRunOf(q, {
    journeyId,
    customerId,
    ...(entryKey === undefined ? {} : { entryKey }),
  });
  const facts = { definition, trigger, now, lastRun };
  const decision = mayEnter(facts);
  if (!('countEntriesSince' in decision)) return decision;
  const since = decision.countEntriesSince;
  return mayEnter({
    ...facts,
    entriesInWindow: await entriesSince(q, { journeyId, customerId, since }),
  });
}

/**
 * Starts or joins the run of this journey, customer and entry key if the rules let it in. A running
 * run whose workflow id names a merged customer is joined by its own ids. The new run's row is
 * pushed onto `newRuns` unsent: it goes out with the caller's COMMIT, so the customer's next event
 * (routed after the lock is let go) finds it.
 */
export async function enterJourney(
  { client, taskQueue, logger }: Routing,
  q: Queryable,
  entry: Entry,
  newRuns: PromiseLike<unknown>[],
): Promise<EntryOutcome> {
  const { definition, version, customerId, entryKey, event, now } = entry;
  const ownId = journeyWorkflowId(definition.id, customerId, entryKey);
  // A segment's next entry while the run of an earlier one goes on joins it, as a repeated trigger does.
  const anyKey = reEntryAcrossKeys(definition.trigger);
  const joined = entry.running.find(
    (run) =>
      run.journeyId === definition.id && (anyKey || (run.entryKey === entryKey && run.workflowId !== ownId)),
  );
  if (joined) {
    await signalJourneyRun(client, joined, event);
    return { entered: 'joined' };
  }
  const [decision, backlog] = await Promise.all([
    entryDecision(q, definition, { customerId, entryKey }, event, now),
    backlogOf(q, definition, customerId, event),
  ]);
  if (!decision.enter) {
    logger.debug({ journeyId: definition.id, customerId, entryKey, reason: decision.reason }, 'not entered');
    return { entered: false, reason: decision.reason };
  }
  const run = await signalWithStartJourneyRun(client, taskQueue, {
    journey: definition,
    version,
    customerId,
    entryKey,
    trigger: event,
    ...(!decision.joins && backlog.length > 0 ? { backlog } : {}),
  });
  newRuns.push(
    insertStartedRun(q, {
      ...run,
      journeyId: definition.id,
      journeyVersion: version,
      customerId,
      entryKey,
      triggerMessageId: event.messageId,
      startedAt: now.toISOString(),
    }),
  );
  return { entered: decision.joins ? 'joined' : 'started' };
}

/**
 * One entry outside event routing (a schedule's occurrence, a backfill), under the customer's
 * routing lock like the router's own, so it never races the customer's events into two runs.
 */
export function enterJourneyLocked(
  routing: Routing,
  db: Database,
  entry: Omit<Entry, 'running'>,
): Promise<EntryOutcome> {
  return pipelinedTransaction(db, async ({ db: tx, batch, commitWith }) => {
    const [, running] = await batch(
      tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`route:${entry.customerId}`}, 0))`),
      runningRunsOf(tx, entry.customerId),
    );
    const newRuns: PromiseLike<unknown>[] = [];
    const outcome = await enterJourney(routing, tx, { ...entry, running }, newRuns);
    await commitWith(...newRuns);
    return outcome;
  });
}
