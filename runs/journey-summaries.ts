import { currentJourneys, type DeployedJourney } from '../catalog/journey-catalog.js';
import { journeyStatesById } from '../catalog/journey-state.js';
import type { Queryable } from '../db/queryable.js';
import { triggerText } from '../domain/journey-trigger.js';
import { runCounts } from './journey-runs-query.js';

/** One deployed journey as `journeys list` and `GET /admin/journeys` show it. */
export interface JourneySummary {
  id: string;
  name: string;
  version: string;
  trigger: string;
  state: 'active' | 'paused';
  /** Triggering events that started no run while paused. */
  droppedEntries: number;
  running: number;
  runs: number;
}

/** The deployed journeys (or only `journeyIds`' ones), with their state and run counts. */
export async function journeySummaries(db: Queryable, only?: DeployedJourney): Promise<JourneySummary[]> {
  const [journeys, counts, states] = await Promise.all([
    only ? [only] : currentJourneys(db),
    runCounts(db),
    journeyStatesById(db),
  ]);
  return journeys.map(({ definition, version, paused }) => {
    const count = counts.get(definition.id);
    return {
      id: definition.id,
      name: definition.name,
      version,
      trigger: triggerText(definition.trigger),
      state: paused ? 'paused' : 'active',
      droppedEntries: paused ? (states.get(definition.id)?.droppedEntries ?? 0) : 0,
      running: count?.running ?? 0,
      runs: count?.total ?? 0,
    };
  });
}
