import type { Database } from '../db/client.js';
import { createBatchDelivery, type BatchDelivery } from '../delivery/batch-delivery.js';
import type { Deliverer } from '../delivery/delivery-request.js';
import { ledgerOnlyDeliverer } from '../delivery/ledger.js';
import { createBroadcastActivities } from './broadcast-activities.js';
import { createJourneyRunActivities } from './run-records.js';
import { createSegmentActivities } from './segment-activities.js';
import { createJourneyStepActivities } from './step-activities.js';
import { createScheduledEntryActivities } from './scheduled-entry.js';

interface ActivityDependencies {
  db: Database;
  /** The delivery pipeline; defaults to recording requests in the ledger as skipped. */
  deliverer?: Deliverer;
  /** Broadcasts' batch delivery; defaults to the deliverer's, else one with no adapters (every customer skipped, with that reason). */
  batchDelivery?: BatchDelivery;
}

/** Every activity the worker registers, bound to its dependencies. */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createJourneyRunActivities(deps.db),
    ...createSegmentActivities(deps.db),
    ...createJourneyStepActivities(deps.db, deps.deliverer ?? ledgerOnlyDeliverer(deps.db)),
    ...createScheduledEntryActivities(deps.db),
    ...createBroadcastActivities(deps.db, batchDeliveryOf(deps)),
  };
}

export type Activities = ReturnType<typeof createActivities>;

function batchDeliveryOf(deps: ActivityDependencies): BatchDelivery {
  if (deps.batchDelivery) return deps.batchDelivery;
  const deliverBatch = deps.deliverer?.deliverBatch;
  if (deliverBatch) return { deliverBatch };
  return createBatchDelivery({ db: deps.db, adapters: [], templates: {} });
}
