import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { and, asc, desc, eq, gte, inArray, isNotNull, ne, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { events, journeyRuns, journeyVersions } from '../db/schema.js';
import { durationMs } from '../domain/duration.js';
import type { JourneyDefinition } from '../domain/journey-definition.js';
import {
  entryKeyOf,
  eventsOfInterest,
  journeyWorkflowId,
  triggers,
  type RunEvent,
} from '../domain/journey-runtime.js';
import { searchAttributes } from '../domain/search-attributes.js';
import { loadProfileSnapshot } from '../customers/profile-snapshot.js';
import type { Queryable } from '../db/queryable.js';
import { pipelinedTransaction } from '../db/pipelined-transaction.js';
import type { Logger } from '../infra/logger.js';
import { currentJourneys, journeyAtVersion, type VersionedJourney } from '../catalog/journey-catalog.js';
import {
  cancelRunSignal,
  customerEventSignal,
  type JourneyRunInput,
} from '../workflows/journey-run/signals.js';
import type { journeyRun } from '../workflows/journey-run/workflow.js';
import { toRunEvent, type RoutedCustomer, type StoredEvent } from '../customers/stored-event.js';
import type { EventRouter } from './event-router.js';

/** A run learns at most this many events that were routed before it started. */
const maxBacklog = 50;

export interface JourneyRouterOptions {
  db: Database;
  client: Client;
  taskQueue: string;
  logger: Logger;
  /** How long the list of deployed journeys is cached (deploys are picked up after this). */
  catalogTtlMs?: number;
  /** The clock for re-entry decisions; tests pass the time-skipping server's. */
  now?: () => Promise<Date> | Date;
}

/**
 * For each stored event: (b) signal this customer's running runs that may react to it (exit,
 * goal, wait), then (a) start runs of journeys it triggers with signal-with-start (one workflow
 * id per journey, customer and entry key; a running one is joined), honouring re-entry rules.
 * Routing of one customer's events is serialised by an advisory lock, so a run started by one
 * event is known before the customer's next event is routed.
 */
export function createJourneyRouter(options: JourneyRouterOptions): EventRouter & { invalidate(): void } {
  const { db, client, taskQueue, logger } = options;
  let cache: { at: number; journeys: VersionedJourney[]; names: Set<string> } | undefined;
  const versions = new Map<string, JourneyDefinition>();

  const journeys = async (q: Queryable) => (await catalog(q)).journeys;
  /** Current journeys, and every event name that any deployed version (runs in flight included) reacts to. */
  const catalog = async (q: Queryable) => {
    if (!cache || Date.now() - cache.at > (options.catalogTtlMs ?? 2_000)) {
      const all = await q.select({ definition: journeyVersions.definition }).from(journeyVersions);
      const names = new Set<string>();
      for (const row of all)
        for (const name of eventsOfInterest(row.definition as unknown as JourneyDefinition)) names.add(name);
      cache = { at: Date.now(), journeys: await currentJourneys(q), names };
    }
    return cache;
  };
  const definitionOf = async (q: Queryable, journeyId: string, version: string) => {
    const key = `${journeyId}@${version}`;
    if (!versions.has(key)) {
      const definition = await journeyAtVersion(q, journeyId, version);
      if (definition) versions.set(key, definition);
    }
    return versions.get(key);
  };

  const runningRuns = (q: Queryable, customerId: string) =>
    q
      .select()
      .from(journeyRuns)
      .where(and(eq(journeyRuns.customerId, customerId), eq(journeyRuns.status, 'running')));
  const wakeRunningRuns = async (
    q: Queryable,
    running: (typeof journeyRuns.$inferSelect)[],
    event: RunEvent,
  ) => {
    for (const run of running) {
      const definition = await definitionOf(q, run.journeyId, run.journeyVersion);
      if (!definition || !eventsOfInterest(definition).has(event.name)) continue;
      try {
        await client.workflow.getHandle(run.workflowId, run.runId).signal(customerEventSignal, event);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        // It ended a moment ago; its outcome is being recorded.
      }
    }
  };

  /**
   * Events that happened at or after the trigger but were routed before this run existed (two
   * devices, a client's retry, events delivered out of order): the run sees them at once, so an
   * order that arrived ahead of its add-to-cart still ends the run before anything is sent.
   */
  const backlogOf = async (
    q: Queryable,
    definition: JourneyDefinition,
    customerId: string,
    trigger: RunEvent,
  ): Promise<RunEvent[]> => {
    const rows = await q
      .select({
        messageId: events.messageId,
        name: events.name,
        type: events.type,
        properties: events.properties,
        occurredAt: events.occurredAt,
      })
      .from(events)
      .where(
        and(
          eq(events.customerId, customerId),
          eq(events.type, 'track'),
          inArray(events.name, [...eventsOfInterest(definition)]),
          gte(events.occurredAt, new Date(trigger.occurredAt)),
          ne(events.messageId, trigger.messageId),
          isNotNull(events.routedAt),
        ),
      )
      .orderBy(asc(events.occurredAt), asc(events.id))
      .limit(maxBacklog);
    return rows.map(toRunEvent);
  };

  /** Re-entry and entry limits, from the run history in Postgres (it outlives Temporal's retention). */
  const mayEnter = async (
    q: Queryable,
    definition: JourneyDefinition,
    customerId: string,
    entryKey: string,
    trigger: RunEvent,
    now: Date,
  ) => {
    const previous = await q
      .select({
        status: journeyRuns.status,
        startedAt: journeyRuns.startedAt,
        endedAt: journeyRuns.endedAt,
        endedByEventAt: journeyRuns.endedByEventAt,
      })
      .from(journeyRuns)
      .where(
        and(
          eq(journeyRuns.journeyId, definition.id),
          eq(journeyRuns.customerId, customerId),
          eq(journeyRuns.entryKey, entryKey),
        ),
      )
      .orderBy(desc(journeyRuns.startedAt))
      .limit(1);
    const last = previous[0];
    if (last?.status === 'running') return { enter: true, joins: true, reason: 'joins the running run' };
    // A trigger that happened before the previous run ended (it arrived late, out of order) would
    // have joined that run: it starts no new one, whatever the re-entry rule.
    if (last && last.status !== 'failed') {
      const endedAt = (last.endedByEventAt ?? last.endedAt)?.getTime();
      if (endedAt !== undefined && Date.parse(trigger.occurredAt) <= endedAt)
        return { enter: false, reason: 'late trigger of an ended run' };
    }
    if (last) {
      if (definition.reEntry.mode === 'never') return { enter: false, reason: 're-entry: never' };
      if (definition.reEntry.mode === 'cooldown') {
        const cooldownMs = durationMs(definition.reEntry.cooldown);
        const ended = (last.endedAt ?? last.startedAt).getTime();
        if (now.getTime() - ended < cooldownMs)
          return { enter: false, reason: `re-entry cooldown ${definition.reEntry.cooldown}` };
      }
    }
    if (definition.entryLimit) {
      const since = new Date(now.getTime() - durationMs(definition.entryLimit.within));
      const [row] = await q
        .select({ count: sql<number>`count(*)::int` })
        .from(journeyRuns)
        .where(
          and(
            eq(journeyRuns.journeyId, definition.id),
            eq(journeyRuns.customerId, customerId),
            gte(journeyRuns.startedAt, since),
          ),
        );
      if ((row?.count ?? 0) >= definition.entryLimit.max)
        return { enter: false, reason: 'entry limit reached' };
    }
    return { enter: true, joins: false, reason: 'new run' };
  };

  const startOrJoin = async (
    q: Queryable,
    { definition, version }: VersionedJourney,
    customerId: string,
    entryKey: string,
    event: RunEvent,
    now: Date,
    backlog: RunEvent[],
  ) => {
    const workflowId = journeyWorkflowId(definition.id, customerId, entryKey);
    const input: JourneyRunInput = {
      journey: definition,
      version,
      customerId,
      entryKey,
      trigger: event,
      ...(backlog.length > 0 ? { backlog } : {}),
    };
    const handle = await client.workflow.signalWithStart<typeof journeyRun, [RunEvent]>('journeyRun', {
      taskQueue,
      workflowId,
      args: [input],
      signal: customerEventSignal,
      signalArgs: [event],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: [
        { key: searchAttributes.CustomerId, value: customerId },
        { key: searchAttributes.JourneyId, value: definition.id },
        { key: searchAttributes.JourneyVersion, value: version },
        { key: searchAttributes.EntryKey, value: entryKey },
        { key: searchAttributes.JourneyStep, value: definition.steps[0]?.id ?? 'start' },
      ],
      staticSummary: `${definition.name} · customer ${customerId} · ${entryKey === 'default' ? 'entry' : `key ${entryKey}`}`,
      staticDetails: [
        `**${definition.name}** (\`${definition.id}\` version \`${version}\`)`,
        `Customer \`${customerId}\`, entry key \`${entryKey}\`, started by **${event.name}** (message \`${event.messageId}\`).`,
        definition.description,
      ].join('\n\n'),
    });
    // The run's row, unawaited: it goes out with the routing transaction's COMMIT, so the
    // customer's next event (routed after this returns) finds it.
    // (Wrapped: an async function returning the builder would run it.)
    const runRow = q
      .insert(journeyRuns)
      .values({
        runId: handle.signaledRunId,
        workflowId,
        journeyId: definition.id,
        journeyVersion: version,
        customerId,
        entryKey,
        triggerMessageId: event.messageId,
        status: 'running',
        startedAt: now,
      })
      .onConflictDoNothing();
    return { runRow };
  };

  return {
    invalidate() {
      cache = undefined;
    },
    async route(stored: StoredEvent, customer: RoutedCustomer) {
      if (stored.type !== 'track') return;
      const event = toRunEvent(stored);
      // Most events concern no journey: skip the lock and the queries for them.
      if (!(await catalog(db)).names.has(event.name)) return;
      const now = options.now ? await options.now() : new Date();
      // Every query below uses this transaction's connection: waiting for the lock while holding one
      // pool connection and then asking for another could exhaust the pool.
      // Round trips: BEGIN, the lock and the running runs together; per matching journey its history
      // and backlog together; the new runs' rows with COMMIT.
      await pipelinedTransaction(db, async ({ db: tx, batch, commitWith }) => {
        const [, running] = await batch(
          tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`route:${customer.id}`}, 0))`),
          runningRuns(tx, customer.id),
        );
        const newRuns: PromiseLike<unknown>[] = [];
        await wakeRunningRuns(tx, running, event);
        let profile: unknown;
        for (const journey of await journeys(tx)) {
          if (journey.definition.trigger.event !== event.name) continue;
          if (journey.definition.trigger.where && profile === undefined)
            profile = (await loadProfileSnapshot(tx, customer.id)) ?? null;
          if (!triggers(journey.definition, event, profile)) continue;
          const entryKey = entryKeyOf(journey.definition, event);
          if (!entryKey) {
            logger.warn(
              { journeyId: journey.definition.id, messageId: event.messageId },
              'trigger matched but the entry key is missing; no run started',
            );
            continue;
          }
          const [decision, backlog] = await Promise.all([
            mayEnter(tx, journey.definition, customer.id, entryKey, event, now),
            backlogOf(tx, journey.definition, customer.id, event),
          ]);
          if (decision.enter)
            newRuns.push(
              (
                await startOrJoin(
                  tx,
                  journey,
                  customer.id,
                  entryKey,
                  event,
                  now,
                  decision.joins ? [] : backlog,
                )
              ).runRow,
            );
          else
            logger.debug(
              {
                journeyId: journey.definition.id,
                customerId: customer.id,
                entryKey,
                reason: decision.reason,
              },
              'not entered',
            );
        }
        if (newRuns.length > 0) await commitWith(...newRuns);
      });
    },
  };
}

/** Cancels a run (ops), by workflow id. */
export async function cancelJourneyRun(client: Client, workflowId: string, reason: string): Promise<void> {
  await client.workflow.getHandle(workflowId).signal(cancelRunSignal, reason);
}
