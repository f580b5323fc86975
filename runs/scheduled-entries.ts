import type { Client } from '@temporalio/client';
import type { Queryable } from '../db/queryable.js';
import { isScheduleTrigger } from '../domain/journey-trigger.js';
import { currentJourneys } from '../catalog/journey-catalog.js';
import { startOrWakeScheduledEntry } from '../workflows/scheduled-entry/lifecycle.js';

/**
 * Every deployed scheduled journey has its scheduled-entry workflow, told to plan again: after a
 * deploy (the CLI's and the admin API's) and when the API starts (a deploy made while Temporal was
 * unreachable is caught up). Returns the journeys' ids.
 */
export async function syncScheduledEntries(
  db: Queryable,
  client: Client,
  taskQueue: string,
): Promise<string[]> {
  const scheduled = (await currentJourneys(db)).filter((j) => isScheduleTrigger(j.definition.trigger));
  for (const { definition } of scheduled) await startOrWakeScheduledEntry(client, taskQueue, definition);
  return scheduled.map((j) => j.definition.id);
}
