import { and, asc, gt, isNull, lte, max } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { events } from '../db/schema.js';
import { toStoredEvent } from '../customers/stored-event.js';
import type { Logger } from '../infra/logger.js';
import type { EventRouter } from './event-router.js';
import { routeStoredEvent } from './route-stored-event.js';

export interface UnroutedSweepOptions {
  db: Database;
  router: EventRouter;
  logger: Logger;
  /** How often stored events older than the last tick are checked; default 30 s. */
  intervalMs?: number;
  /** Events read per query; default 200. */
  pageSize?: number;
}

export interface UnroutedSweep {
  /** Routes every unrouted event with an id in (floor, ceiling]; resolves with how many it routed. */
  sweep(ceiling?: number): Promise<number>;
  /** Waits for a sweep in progress and stops the timer. */
  stop(): Promise<void>;
}

/**
 * Routes events that were stored but never routed: the process died between store and route, or
 * the router failed and the client never retried. The first sweep (at start) covers every event
 * stored before it; each later tick covers the events stored before the previous tick (so it does
 * not race requests still routing their own events), reading by primary key from a floor that only
 * moves up. A second process sweeping the same events routes nothing twice: the journey router
 * routes under the customer's lock and skips an event already marked routed (runs/journey-router.ts).
 * An event whose routing fails stays the floor: the next tick tries it again.
 */
export function startUnroutedSweep(options: UnroutedSweepOptions): UnroutedSweep {
  const { db, router, logger } = options;
  const pageSize = options.pageSize ?? 200;
  let floor = 0;
  let running: Promise<number> = Promise.resolve(0);

  const highestId = async () => (await db.select({ id: max(events.id) }).from(events))[0]?.id ?? 0;

  const sweepOnce = async (ceiling: number): Promise<number> => {
    let routed = 0;
    for (;;) {
      const page = await db
        .select()
        .from(events)
        .where(and(gt(events.id, floor), lte(events.id, ceiling), isNull(events.routedAt)))
        .orderBy(asc(events.id))
        .limit(pageSize);
      for (const row of page) {
        await routeStoredEvent(db, toStoredEvent(row), (event, customer) => router.route(event, customer));
        floor = row.id;
        routed++;
      }
      if (page.length < pageSize) break;
    }
    floor = Math.max(floor, ceiling);
    return routed;
  };

  const sweep = (ceiling?: number) => {
    running = running.then(async () => {
      try {
        const routed = await sweepOnce(ceiling ?? (await highestId()));
        if (routed > 0) logger.info({ routed }, 'routed events stored but not routed before');
        return routed;
      } catch (error) {
        logger.warn({ err: error, floor }, 'unrouted-event sweep failed; the next tick retries');
        return 0;
      }
    });
    return running;
  };

  // At start: everything stored so far. Then each tick: what existed at the previous tick.
  let previous: Promise<number> = highestId().catch(() => 0);
  void sweep();
  const timer = setInterval(() => {
    const ceiling = previous;
    previous = highestId().catch(() => floor);
    void ceiling.then((id) => sweep(id));
  }, options.intervalMs ?? 30_000);
  timer.unref();

  return {
    sweep,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
