import type { Client } from '@temporalio/client';
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { events } from '../db/schema.js';
import { triggerMatch } from '../domain/journey-trigger.js';
import {
  entryKeyOf,
  eventsOfInterest,
  routedBy,
  triggers,
  type RunEvent,
} from '../domain/journey-runtime.js';
import { loadProfileSnapshot } from '../customers/profile-snapshot.js';
import type { Queryable } from '../db/queryable.js';
import { pipelinedTransaction } from '../db/pipelined-transaction.js';
import type { Logger } from '../infra/logger.js';
import { createJourneyCatalog } from '../catalog/catalog-cache.js';
import { countDroppedEntry } from '../catalog/journey-state.js';
import { signalJourneyRun } from '../workflows/journey-run/lifecycle.js';
import { toRunEvent, type RoutedCustomer, type StoredEvent } from '../customers/stored-event.js';
import type { EventRouter, RoutingInterest } from './event-router.js';
import { enterJourney, type Routing } from './journey-entry.js';
import { reconcileRuns } from './reconcile-runs.js';
import { runningRunsOf, type RunRow } from './run-records.js';

interface JourneyRouterOptions {
  db: Database;
  client: Client;
  taskQueue: string;
  logger: Logger;
  /** How long the list of deployed journeys is cached (deploys are picked up after this). */
  catalogTtlMs?: number;
  /** The clock for re-entry decisions; tests pass the time-skipping server's. */
  now?: () => Promise<Date> | Date;
}

/** Hands the event to each of the customer's running runs whose version reacts to it. */
async function wakeRunningRuns(
  { client, catalog }: Routing,
  q: Queryable,
  running: RunRow[],
  event: RunEvent,
) {
  for (const run of running) {
    const definition = await catalog.atVersion(q, run.journeyId, run.journeyVersion);
    if (!definition || !eventsOfInterest(definition).has(event.name)) continue;
    await signalJourneyRun(client, run, event);
  }
}

/**
 * Starts or joins a run of each current journey the event triggers and the rules let in
 * (journey-entry.ts). Returns the new runs' rows unsent (in an array: an async function returning
 * a builder would run it).
 */
async function enterJourneys(
  routing: Routing,
  q: Queryable,
  { customerId, running }: { customerId: string; running: RunRow[] },
  event: RunEvent,
  now: Date,
): Promise<PromiseLike<unknown>[]> {
  const { logger, catalog } = routing;
  const newRuns: PromiseLike<unknown>[] = [];
  let profile: unknown;
  for (const { definition, version, paused } of await catalog.current(q)) {
    const match = triggerMatch(definition.trigger);
    if (match?.event !== event.name) continue;
    if (match.where && profile === undefined) profile = (await loadProfileSnapshot(q, customerId)) ?? null;
    if (!triggers(definition, event, profile)) continue;
    // Paused: the event stays stored, no run starts, and the entry is counted as dropped.
    if (paused) {
      await countDroppedEntry(q, definition.id);
      continue;
    }
    const entryKey = entryKeyOf(definition, event);
    if (!entryKey) {
      logger.warn(
        { journeyId: definition.id, messageId: event.messageId },
        'trigger matched but the entry key is missing; no run started',
      );
      continue;
    }
    await enterJourney(
      routing,
      q,
      { definition, version, customerId, entryKey, event, running, now },
      newRuns,
    );
  }
  return newRuns;
}

/**
 * For each stored event: (b) signal this customer's running runs that may react to it (exit,
 * goal, wait), then (a) start runs of journeys it triggers with signal-with-start (one workflow
 * id per journey, customer and entry key; a running one is joined), honouring re-entry rules.
 * Routing of one customer's events is serialised by an advisory lock, so a run started by one
 * event is known before the customer's next event is routed. A message that merged customers (of
 * any type) first reconciles the survivor's runs (reconcile-runs.ts).
 */
export function createJourneyRouter(options: JourneyRouterOptions): EventRouter & { invalidate(): void } {
  const { db, client, taskQueue, logger } = options;
  const routing: Routing = {
    client,
    taskQueue,
    logger,
    catalog: createJourneyCatalog({ ttlMs: options.catalogTtlMs }),
  };
  return {
    marksRouted: true,
    invalidate() {
      routing.catalog.invalidate();
    },
    async interest(): Promise<RoutingInterest> {
      const names = await routing.catalog.eventNames(db);
      return (event, merged) => merged || (event.type === 'track' && routedBy(names, event));
    },
    async route(stored: StoredEvent, customer: RoutedCustomer) {
      const merged = customer.mergedFrom.length > 0;
      const event = stored.type === 'track' ? toRunEvent(stored) : undefined;
      // Most events concern no journey and merge nobody: skip the lock and the queries for them.
      const concerns = event !== undefined && routedBy(await routing.catalog.eventNames(db), event);
      if (!concerns && !merged) {
        await db
          .update(events)
          .set({ routedAt: sql`now()` })
          .where(eq(events.id, stored.id));
        return;
      }
      const now = options.now ? await options.now() : new Date();
      // Every query below uses this transaction's connection: waiting for the lock while holding one
      // pool connection and then asking for another could exhaust the pool.
      // Round trips: BEGIN, the lock, the running runs and the event's routed mark together; after a merge, per duplicate run
      // its row's end and its events for the run that goes on; per matching journey its history
      // and backlog together, then its entry count if the entry limit is all that is left to check;
      // the new runs' rows with COMMIT.
      await pipelinedTransaction(db, async ({ db: tx, batch, commitWith }) => {
        const [, loaded, [state]] = await batch(
          tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`route:${customer.id}`}, 0))`),
          runningRunsOf(tx, customer.id),
          tx.select({ routedAt: events.routedAt }).from(events).where(eq(events.id, stored.id)),
        );
        // Routed already (a client's retry racing the unrouted-event sweep, or two API processes'
        // sweeps): once is enough. The mark is written under this lock, so this read is current.
        if (state?.routedAt) return;
        // After a merge: one run per journey and entry key, following the survivor.
        const running = await reconcileRuns(routing, tx, {
          customerId: customer.id,
          running: loaded,
          merged,
          now,
        });
        const newRuns: PromiseLike<unknown>[] = [];
        if (event && concerns) {
          await wakeRunningRuns(routing, tx, running, event);
          newRuns.push(
            ...(await enterJourneys(routing, tx, { customerId: customer.id, running }, event, now)),
          );
        }
        // Marked routed before the lock is let go: the customer's next routing, waiting on the lock,
        // reads only routed events into a new run's backlog, so an event routed just before a trigger
        // (an order racing its add-to-cart) must be seen as routed by then.
        await commitWith(
          ...newRuns,
          tx
            .update(events)
            .set({ routedAt: sql`now()` })
            .where(eq(events.id, stored.id)),
        );
      });
    },
  };
}
