import { existsSync } from 'node:fs';
import { UserError } from '../../../infra/user-error.js';
import { builtInJourneys } from '../../../journeys/index.js';
import {
  checkJourney,
  currentJourneys,
  loadJourneyFile,
  type VersionedJourney,
} from '../../../catalog/journey-catalog.js';
import type { Queryable } from '../../../db/queryable.js';

export const builtIn = (): VersionedJourney[] =>
  builtInJourneys.map((journey) => checkJourney(journey, `journeys/${journey.id}.ts`));

/** A file path, a built-in journey id, or (with a deployment) a deployed one. */
export async function resolveJourney(ref: string, deployed?: () => Promise<VersionedJourney[]>) {
  if (existsSync(ref)) return loadJourneyFile(ref);
  const known = builtIn().find((j) => j.definition.id === ref);
  if (known) return known;
  const fromDeployment = deployed ? (await deployed()).find((j) => j.definition.id === ref) : undefined;
  if (fromDeployment) return fromDeployment;
  throw new UserError(
    `unknown journey "${ref}"`,
    `give a journey file, or one of ${builtIn()
      .map((j) => j.definition.id)
      .join(', ')} (\`omnijourney journeys list\` shows the deployed ones)`,
  );
}

/** The deployed journey with this id, or a one-line error naming the command that lists them. */
export async function deployedJourney(db: Queryable, journeyId: string): Promise<VersionedJourney> {
  const journey = (await currentJourneys(db)).find((j) => j.definition.id === journeyId);
  if (!journey)
    throw new UserError(
      `unknown journey "${journeyId}"`,
      '`omnijourney journeys list` shows the deployed ones',
    );
  return journey;
}
