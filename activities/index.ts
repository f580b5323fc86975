import type { Database } from '../db/client.js';
import { createJourneyRunActivities } from './journey-runs.js';

export interface ActivityDependencies {
  db: Database;
}

/** Every activity the worker registers, bound to its dependencies. */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createJourneyRunActivities(deps.db),
  };
}

export type Activities = ReturnType<typeof createActivities>;
