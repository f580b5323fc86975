import type { events } from '../db/schema.js';
import type { RunEvent } from '../domain/journey-runtime.js';

/** An event as ingest stored it, and the customer it was stored for: what the router is handed. */
export interface StoredEvent {
  id: number;
  messageId: string;
  type: 'track' | 'identify' | 'page' | 'screen' | 'group' | 'alias';
  /** Event name for track, page/screen name otherwise. */
  name: string | null;
  customerId: string;
  userId: string | null;
  anonymousId: string | null;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
  /** Corrected for client clock skew. */
  occurredAt: Date;
  receivedAt: Date;
}

/** An event as a run sees it: the plain snapshot that signals and conditions carry. */
export function toRunEvent(
  event: Pick<StoredEvent, 'messageId' | 'name' | 'type' | 'properties' | 'occurredAt'>,
): RunEvent {
  return {
    messageId: event.messageId,
    name: event.name ?? event.type,
    properties: event.properties,
    occurredAt: event.occurredAt.toISOString(),
  };
}

export interface RoutedCustomer {
  /** The customer that holds everything now (after any merge this event caused). */
  id: string;
  /** True when this event created the customer. */
  created: boolean;
  /** Customers folded into `id` by this event; runs keyed by those ids may need re-keying. */
  mergedFrom: string[];
}

/** The customer an event is routed as when it neither created nor merged anyone (a replay, a membership change). */
export const routedAs = (customerId: string): RoutedCustomer => ({
  id: customerId,
  created: false,
  mergedFrom: [],
});

type EventRow = typeof events.$inferSelect;

/** A stored row as the router and API see it. */
export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    id: row.id,
    messageId: row.messageId,
    type: row.type,
    name: row.name,
    customerId: row.customerId,
    userId: row.userId,
    anonymousId: row.anonymousId,
    properties: row.properties,
    context: row.context,
    occurredAt: row.occurredAt,
    receivedAt: row.receivedAt,
  };
}
