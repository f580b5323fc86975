import type { Database } from '../db/client.js';
import type { Deliverer } from '../delivery/delivery-request.js';
import { ledgerOnlyDeliverer } from '../delivery/ledger.js';
import { createJourneyRunActivities } from './run-records.js';
import { createSegmentActivities } from './segment-activities.js';
import { createJourneyStepActivities } from './step-activities.js';
import { createScheduledEntryActivities } from './scheduled-entry.js';

interface ActivityDependencies {
  db: Database;
  /** The delivery pipeline; defaults to recording requests in the ledger as skipped. */
  deliverer?: Deliverer;
}

/** Every activity the worker registers, bound to its dependencies. */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createJourneyRunActivities(deps.db),
    ...createSegmentActivities(deps.db),
    ...createJourneyStepActivities(deps.db, deps.deliverer ?? ledgerOnlyDeliverer(deps.db)),
    ...createScheduledEntryActivities(deps.db),
  };
}

export type Activities = ReturnType<typeof createActivities>;
