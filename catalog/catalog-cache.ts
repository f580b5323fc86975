import type { Queryable } from '../db/queryable.js';
import type { JourneyDefinition } from '../domain/journey-definition.js';
import { routingKeysOf } from '../domain/journey-runtime.js';
import {
  currentJourneys,
  deployedDefinitions,
  journeyAtVersion,
  type DeployedJourney,
} from './journey-catalog.js';

/**
 * The deployed journeys as the router reads them on every event: the current versions and the event
 * names are cached for a short time (a deploy is picked up after it); a version's definition is
 * cached for good, since a version is the hash of its content. Each read takes the connection to
 * use, so a caller inside a transaction keeps to its connection.
 */
export interface JourneyCatalog {
  /** The current version of every deployed journey. */
  current(q: Queryable): Promise<DeployedJourney[]>;
  /** Every event name that any deployed version (runs in flight included) reacts to. */
  eventNames(q: Queryable): Promise<ReadonlySet<string>>;
  /** One deployed version, current or not; undefined (and not cached) when it is not deployed. */
  atVersion(q: Queryable, journeyId: string, version: string): Promise<JourneyDefinition | undefined>;
  /** Forget the current versions and event names: the next read loads them again. */
  invalidate(): void;
}

export function createJourneyCatalog(options: { ttlMs?: number } = {}): JourneyCatalog {
  const ttlMs = options.ttlMs ?? 2_000;
  let cache: { at: number; journeys: DeployedJourney[]; names: Set<string> } | undefined;
  const versions = new Map<string, JourneyDefinition>();

  const fresh = async (q: Queryable) => {
    if (!cache || Date.now() - cache.at > ttlMs) {
      const names = new Set<string>();
      for (const definition of await deployedDefinitions(q))
        for (const name of routingKeysOf(definition)) names.add(name);
      cache = { at: Date.now(), journeys: await currentJourneys(q), names };
    }
    return cache;
  };

  return {
    current: async (q) => (await fresh(q)).journeys,
    eventNames: async (q) => (await fresh(q)).names,
    async atVersion(q, journeyId, version) {
      const key = `${journeyId}@${version}`;
      if (!versions.has(key)) {
        const definition = await journeyAtVersion(q, journeyId, version);
        if (definition) versions.set(key, definition);
      }
      return versions.get(key);
    },
    invalidate() {
      cache = undefined;
    },
  };
}
