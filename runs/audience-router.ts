import type { Database } from '../db/client.js';
import type { Logger } from '../infra/logger.js';
import { routedAs, type RoutedCustomer, type StoredEvent } from '../customers/stored-event.js';
import { markRouted } from '../customers/ingest-message.js';
import {
  createSegmentCatalog,
  type SegmentCatalog,
  type SegmentIndex,
} from '../audiences/segment-catalog.js';
import { deployedIn, membershipRead, updateMemberships } from '../audiences/update-memberships.js';
import type { StoreHook } from '../customers/store-hook.js';
import { routeEverything, type EventRouter, type RoutingInterest } from './event-router.js';

interface AudienceRouterOptions {
  db: Database;
  /** The journey router: it routes the event, then the membership events it caused. */
  journeys: EventRouter;
  logger: Logger;
  catalog?: SegmentCatalog;
  /** The clock segments are evaluated at; tests on a time-skipping server pass the server's. */
  now?: () => Promise<Date> | Date;
}

/**
 * Keeps segment membership as events are stored, in front of the journey router: for an event a
 * deployed segment depends on, the customer's affected segments are evaluated first (one
 * transaction: rows and `Segment Entered`/`Segment Left` events), then the event is routed to
 * journeys, then the membership events, so a journey triggered on entry starts within this request.
 * Crash-safe by order: the event stays unrouted until the journey router marks it, so a retry or
 * the unrouted-event sweep evaluates again (idempotent) and routes it; membership events are stored
 * unrouted, and the sweep routes any this request did not.
 */
/** Events a deployed segment counts: a track event by name, an identify when a segment reads traits. */
const countedBy =
  (index: SegmentIndex): RoutingInterest =>
  (event) =>
    (event.type === 'track' && index.eventNames.has(event.name ?? '')) ||
    (event.type === 'identify' && index.readsProfile);

export function createAudienceRouter(options: AudienceRouterOptions): EventRouter & { invalidate(): void } {
  const { db, journeys } = options;
  const catalog = options.catalog ?? createSegmentCatalog();
  const clock = async () => (options.now ? await options.now() : new Date());
  const segmentsOf = async (event: StoredEvent, merged: boolean) => {
    const index = await catalog.current(db);
    return { index, ids: merged ? [...index.order] : index.affectedBy(event) };
  };
  return {
    marksRouted: journeys.marksRouted,
    invalidate() {
      catalog.invalidate();
    },
    async interest(): Promise<RoutingInterest> {
      const [journeyInterest, index] = await Promise.all([journeys.interest?.(), catalog.current(db)]);
      const counts = countedBy(index);
      return (event, merged) =>
        (journeyInterest ? journeyInterest(event, merged) : true) || counts(event, merged);
    },
    async storeHook(): Promise<StoreHook> {
      const [journeyInterest, index] = await Promise.all([journeys.interest?.(), catalog.current(db)]);
      const needsRouting = journeyInterest ?? routeEverything;
      return {
        handles: countedBy(index),
        needsRouting,
        async prepare(tx, customerId, handled) {
          const segmentIds = [
            ...new Set(handled.flatMap((event) => index.affectedBy({ ...event, name: event.name ?? null }))),
          ];
          const first = handled[0];
          const deployed = deployedIn(index, segmentIds);
          if (!first || deployed.length === 0) return undefined;
          // One evaluation for the group, caused by its first event: it sees every event of the
          // group (written just before its reads), as the first event's routing would have.
          const update = { customerId, segmentIds, at: await clock(), cause: first.occurredAt, needsRouting };
          const read = membershipRead(tx, deployed, update);
          return {
            statements: read.statements,
            finish: (answers) => read.finish(answers) ?? { statements: [], toRoute: () => [] },
          };
        },
      };
    },
    async route(stored: StoredEvent, customer: RoutedCustomer) {
      const merged = customer.mergedFrom.length > 0;
      const { index, ids } = await segmentsOf(stored, merged);
      const written =
        ids.length > 0 || merged
          ? ((await updateMemberships(db, index, {
              customerId: customer.id,
              segmentIds: ids,
              at: await clock(),
              cause: stored.occurredAt,
              mergedFrom: customer.mergedFrom,
              needsRouting: await journeys.interest?.(),
            })) ?? [])
          : [];
      await journeys.route(stored, customer);
      const self = routedAs(customer.id);
      for (const event of written) {
        await journeys.route(event, self);
        // A journey router that leaves marking to its caller (test doubles): the membership event is done.
        if (!journeys.marksRouted) await markRouted(db, event.id);
      }
    },
  };
}
