import type { RunEvent } from '../domain/journey-runtime.js';

/**
 * The hand-off from ingest to the journey router. Ingest calls `route` once per stored event,
 * after the event and the customer's profile are committed. If `route` throws, the event stays
 * stored but unrouted, the client gets a retryable 503, and its retry routes it again — so a
 * router must be idempotent for one event (the journey router uses signal-with-start keyed by
 * workflow id and the event's messageId).
 */

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

export interface EventRouter {
  route(event: StoredEvent, customer: RoutedCustomer): Promise<void>;
}
