import type { RoutingInterest } from '../customers/event-row.js';
import type { RoutedCustomer, StoredEvent } from '../customers/stored-event.js';
import type { StoreHook } from '../customers/store-hook.js';

export type { RoutingInterest };

/**
 * The hand-off from ingest to the journey router. Ingest calls `route` once per stored event that
 * `interest` says needs it, after the event and the customer's profile are committed. If `route`
 * throws, the event stays stored but unrouted, the client gets a retryable 503, and its retry (or
 * the unrouted-event sweep, runs/unrouted-sweep.ts) routes it again — so a router must be
 * idempotent for one event (the journey router skips an event already marked routed, under the
 * customer's routing lock).
 */
export interface EventRouter {
  route(event: StoredEvent, customer: RoutedCustomer): Promise<void>;
  /** A snapshot of what needs routing, taken once per request; unset: every event is routed. */
  interest?(): Promise<RoutingInterest>;
  /** Work committed with a person's stored events (segment membership), taken once per request. */
  storeHook?(): Promise<StoreHook>;
  /** True when `route` marks the event routed itself (in its transaction): ingest saves a round trip. */
  readonly marksRouted?: boolean;
}

/** Every event needs routing: for routers that do not say (test doubles). */
export const routeEverything: RoutingInterest = () => true;
