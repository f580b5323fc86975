import { and, asc, gte, inArray, ne, sql } from 'drizzle-orm';
import { events } from '../db/schema.js';
import type { Queryable } from '../db/queryable.js';
import type { Decision } from '../domain/delivery-decision.js';
import { runStoppedBy, runStoppedReason, stopEventNames } from '../domain/run-stop.js';
import type { DeliveryRequest } from './delivery-request.js';

/** Enough to find the first that matches: a customer rarely stores many goal or exit events in a run. */
const storedStopsRead = 50;

/**
 * The exit re-check from stored events (domain/run-stop.ts): the customer's goal and exit events
 * since the run started, read in the reservation's batch (no extra round trip). A run whose sends go
 * back to back in one workflow task gets no signal in between, so the events table is what tells
 * it that an order came in after the previous send. Requests without `runStop` read nothing.
 */
export function runStopRead(tx: Queryable, request: DeliveryRequest, customerId: string) {
  const stop = request.runStop;
  const names = stop ? stopEventNames(stop) : [];
  return tx
    .select({
      messageId: events.messageId,
      name: events.name,
      properties: events.properties,
      occurredAt: events.occurredAt,
    })
    .from(events)
    .where(
      stop && names.length > 0
        ? and(
            // The run's customer as asked for and, after a merge, the one it became.
            inArray(events.customerId, [...new Set([request.customerId, customerId])]),
            inArray(events.name, names),
            gte(events.occurredAt, new Date(stop.since)),
            ne(events.messageId, request.trigger.messageId),
          )
        : sql`false`,
    )
    .orderBy(asc(events.occurredAt), asc(events.id))
    .limit(storedStopsRead);
}

type StoredStop = Awaited<ReturnType<typeof runStopRead>>[number];

/** A skip when a stored goal or exit event has ended the run, with the event named in the reason. */
export function runStopDecision(request: DeliveryRequest, rows: readonly StoredStop[]): Decision | undefined {
  if (!request.runStop || rows.length === 0) return undefined;
  const stopped = runStoppedBy(
    request.runStop,
    request.trigger,
    rows.map((row) => ({ ...row, name: row.name ?? '', occurredAt: row.occurredAt.toISOString() })),
  );
  return stopped ? { kind: 'skip', reason: runStoppedReason(stopped), capsHit: [] } : undefined;
}
