import type { JourneyDefinitionInput } from '../domain/journey-definition.js';

/** Typed identity for journey files: editors complete and check fields; `validateJourney` checks the graph. */
export function defineJourney(definition: JourneyDefinitionInput): JourneyDefinitionInput {
  return definition;
}
