import type { RoutedCustomer, StoredEvent } from '../customers/stored-event.js';

/**
 * The hand-off from ingest to the journey router. Ingest calls `route` once per stored event,
 * after the event and the customer's profile are committed. If `route` throws, the event stays
 * stored but unrouted, the client gets a retryable 503, and its retry routes it again — so a
 * router must be idempotent for one event (the journey router uses signal-with-start keyed by
 * workflow id and the event's messageId).
 */

export interface EventRouter {
  route(event: StoredEvent, customer: RoutedCustomer): Promise<void>;
}
