import { Context } from '@temporalio/activity';
import { pino } from 'pino';
import type { Database } from '../db/client.js';
import type { Logger } from '../infra/logger.js';
import { createJourneyCatalog } from '../catalog/catalog-cache.js';
import {
  enterOccurrence,
  scheduledEntryPlan,
  type Occurrence,
  type OccurrenceCounts,
  type ScheduledEntryPlan,
} from '../runs/scheduled-entry.js';

/** The scheduled-entry workflow's activities: read the plan, enter one occurrence's members. */
export function createScheduledEntryActivities(db: Database, logger: Logger = pino({ level: 'silent' })) {
  const catalog = createJourneyCatalog();
  return {
    scheduledEntryPlan(input: { journeyId: string; after: string }): Promise<ScheduledEntryPlan> {
      return scheduledEntryPlan(db, input.journeyId, new Date(input.after));
    },
    /**
     * Starts the occurrence's runs with the worker's own client on its task queue. Decisions are
     * taken at the server's clock (the attempt's schedule time), resumed after the last page an
     * earlier attempt reported.
     */
    enterScheduledOccurrence(occurrence: Occurrence): Promise<OccurrenceCounts> {
      const context = Context.current();
      const routing = { client: context.client, taskQueue: context.info.taskQueue, logger, catalog };
      const resume: unknown = context.info.heartbeatDetails;
      return enterOccurrence(routing, db, {
        ...occurrence,
        now: new Date(Math.max(Date.parse(occurrence.at), context.info.currentAttemptScheduledTimestampMs)),
        ...(typeof resume === 'string' ? { resume } : {}),
        progress: (cursor) => context.heartbeat(cursor),
      });
    },
  };
}

export type ScheduledEntryActivities = ReturnType<typeof createScheduledEntryActivities>;
