import { Context } from '@temporalio/activity';
import { pino } from 'pino';
import type { Database } from '../db/client.js';
import type { Logger } from '../infra/logger.js';
import { reevaluateDue, type ClockPage } from '../audiences/segment-clock.js';
import { createSegmentCatalog, type SegmentCatalog } from '../audiences/segment-catalog.js';
import { createJourneyRouter } from '../runs/journey-router.js';
import { routedAs } from '../customers/stored-event.js';

/** Activities of the segment clock: time-based membership, re-evaluated where a window edge passed. */
export function createSegmentActivities(
  db: Database,
  catalog: SegmentCatalog = createSegmentCatalog(),
  logger: Logger = pino({ level: 'silent' }),
) {
  return {
    /**
     * One page of due rows, evaluated at the tick's instant (ISO, the workflow's time). The entries
     * and exits it records go to journeys at once, with the worker's own client on its task queue.
     */
    async reevaluateDueSegments(input: { at: string; limit: number }): Promise<ClockPage> {
      const context = Context.current();
      const router = createJourneyRouter({
        db,
        client: context.client,
        taskQueue: context.info.taskQueue,
        logger,
      });
      const needsRouting = await router.interest?.();
      return reevaluateDue(db, catalog, {
        at: new Date(input.at),
        limit: input.limit,
        journeys: {
          needsRouting,
          async route(events) {
            for (const event of events)
              await router.route(event, routedAs(event.customerId)).catch((error: unknown) => {
                logger.warn({ eventId: event.id, err: error }, 'segment clock: routing left to the sweep');
              });
          },
        },
      });
    },
  };
}

export type SegmentActivities = ReturnType<typeof createSegmentActivities>;
