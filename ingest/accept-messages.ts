import type { Database } from '../db/client.js';
import { canonicalCustomerId } from '../customers/resolve-customer.js';
import { ingestMessage, markRouted } from '../customers/ingest-message.js';
import type { SegmentMessage } from '../domain/segment-message.js';
import type { EventRouter } from '../router/event-router.js';
import { isOutage, unavailable } from './http-errors.js';

export interface AcceptDeps {
  db: Database;
  router: EventRouter;
  defaultPhoneCountry?: string;
  onRouterError?: (error: unknown) => void;
}

export interface AcceptResult {
  stored: number;
  duplicates: number;
}

/**
 * Stores each message once and hands it to the router. An outage (database or router down)
 * becomes a 503 with Retry-After: what was stored stays stored, and the client's retry is
 * deduplicated by messageId and routes whatever was not routed yet.
 */
/** Any router failure is retryable from the client's side: the event is stored, not yet routed. */
async function routeOrUnavailable(deps: AcceptDeps, route: () => Promise<void>): Promise<void> {
  try {
    await route();
  } catch (error) {
    deps.onRouterError?.(error);
    throw unavailable('the journey router');
  }
}

export async function acceptMessages(
  deps: AcceptDeps,
  messages: SegmentMessage[],
  receivedAt: Date,
): Promise<AcceptResult> {
  const result: AcceptResult = { stored: 0, duplicates: 0 };
  for (const message of messages) {
    try {
      const outcome = await ingestMessage(deps.db, message, {
        receivedAt,
        defaultPhoneCountry: deps.defaultPhoneCountry,
      });
      if (outcome.outcome === 'stored') {
        result.stored++;
        await routeOrUnavailable(deps, () => deps.router.route(outcome.event, outcome.customer));
        await markRouted(deps.db, outcome.event.id);
      } else {
        result.duplicates++;
        if (!outcome.routed) {
          const customerId =
            (await canonicalCustomerId(deps.db, outcome.event.customerId)) ?? outcome.event.customerId;
          await routeOrUnavailable(deps, () =>
            deps.router.route(
              { ...outcome.event, customerId },
              { id: customerId, created: false, mergedFrom: [] },
            ),
          );
          await markRouted(deps.db, outcome.event.id);
        }
      }
    } catch (error) {
      if (isOutage(error)) throw unavailable('the database');
      throw error;
    }
  }
  return result;
}
