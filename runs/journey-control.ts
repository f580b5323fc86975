import type { Client } from '@temporalio/client';
import { currentJourneys, type DeployedJourney } from '../catalog/journey-catalog.js';
import { journeyStateOf, setJourneyState, type JourneyState } from '../catalog/journey-state.js';
import type { Queryable } from '../db/queryable.js';
import { journeyPausedReason } from '../domain/delivery-decision.js';

/**
 * Pause, resume and undeploy, shared by the admin API and the CLI. Paused: the router starts no
 * run (the triggering event is stored and counted as dropped, never entered later) and the
 * delivery pipeline holds running runs' sends (`deferred`, "journey paused") until resumed, or
 * the runs are ended. Undeployed: no new run, the journey leaves the deployed list, its versions
 * and runs stay; running runs go on, or are ended.
 */

export const undeployedReason = 'journey undeployed';

/** Why a change was refused: the journey is not deployed, or not in a state that allows it. */
export class JourneyControlError extends Error {
  constructor(
    readonly kind: 'unknown' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}

export interface StateChange {
  journeyId: string;
  state: JourneyState;
  /** Running runs asked to end. */
  runsEnded: number;
  /** Triggering events that started no run during the pause (resume reports the pause's count). */
  droppedEntries: number;
}

async function deployed(db: Queryable, journeyId: string): Promise<DeployedJourney> {
  const journey = (await currentJourneys(db)).find((j) => j.definition.id === journeyId);
  if (!journey) throw new JourneyControlError('unknown', `no deployed journey ${journeyId}`);
  return journey;
}

/** `client` only when the runs are to be ended. */
export async function pauseJourney(db: Queryable, journeyId: string, client?: Client): Promise<StateChange> {
  const journey = await deployed(db, journeyId);
  if (!journey.paused) await setJourneyState(db, journeyId, 'paused');
  const runsEnded = client ? await endRuns(db, client, journeyId, journeyPausedReason) : 0;
  const { droppedEntries } = await journeyStateOf(db, journeyId);
  return { journeyId, state: 'paused', runsEnded, droppedEntries };
}

export async function resumeJourney(db: Queryable, journeyId: string): Promise<StateChange> {
  const journey = await deployed(db, journeyId);
  if (!journey.paused) throw new JourneyControlError('conflict', `journey ${journeyId} is not paused`);
  const { droppedEntries } = await journeyStateOf(db, journeyId);
  await setJourneyState(db, journeyId, 'active');
  return { journeyId, state: 'active', runsEnded: 0, droppedEntries };
}

export async function undeployJourney(
  db: Queryable,
  journeyId: string,
  client?: Client,
): Promise<StateChange> {
  await deployed(db, journeyId);
  await setJourneyState(db, journeyId, 'undeployed');
  const runsEnded = client ? await endRuns(db, client, journeyId, undeployedReason) : 0;
  return { journeyId, state: 'undeployed', runsEnded, droppedEntries: 0 };
}

/** Loaded only when runs are ended: Temporal's client is slow to load for the CLI's other commands. */
async function endRuns(db: Queryable, client: Client, journeyId: string, reason: string): Promise<number> {
  const { endRunningRuns } = await import('./running-runs.js');
  return endRunningRuns(db, client, journeyId, reason);
}
