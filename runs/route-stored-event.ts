import { markRouted } from '../customers/ingest-message.js';
import { canonicalCustomerId, customersMergedInto } from '../customers/resolve-customer.js';
import type { RoutedCustomer, StoredEvent } from '../customers/stored-event.js';
import type { Database } from '../db/client.js';

/**
 * Routes an event stored earlier and never routed (a client's retry after a 503, or the sweep after
 * a crash), then marks it routed. Which customers its message merged is not stored: the customers
 * ever merged into its customer stand in, so the router's reconciling (idempotent) runs again.
 */
export async function routeStoredEvent(
  db: Database,
  stored: StoredEvent,
  route: (event: StoredEvent, customer: RoutedCustomer) => Promise<void>,
): Promise<void> {
  const customerId = (await canonicalCustomerId(db, stored.customerId)) ?? stored.customerId;
  const mergedFrom = await customersMergedInto(db, customerId);
  await route({ ...stored, customerId }, { id: customerId, created: false, mergedFrom });
  await markRouted(db, stored.id);
}
