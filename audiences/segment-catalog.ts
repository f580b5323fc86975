import type { Queryable } from '../db/queryable.js';
import { segmentDependencies, type SegmentDependencies } from '../domain/segment-dependencies.js';
import { currentSegments, type DeployedSegment } from './segment-store.js';

/** The deployed segments as ingest reads them on every event, with what each depends on. */
export interface SegmentIndex extends SegmentDependencies {
  segments: ReadonlyMap<string, DeployedSegment>;
}

export interface SegmentCatalog {
  current(q: Queryable): Promise<SegmentIndex>;
  /** Forget the cached segments: the next read loads them again. */
  invalidate(): void;
}

export function segmentIndexOf(deployed: readonly DeployedSegment[]): SegmentIndex {
  return {
    ...segmentDependencies(deployed.map((s) => s.definition)),
    segments: new Map(deployed.map((s) => [s.definition.id, s])),
  };
}

/**
 * Cached for a short time like the journey catalog (a deploy is picked up after it), so an event
 * that no segment counts costs no query at all.
 */
export function createSegmentCatalog(options: { ttlMs?: number } = {}): SegmentCatalog {
  const ttlMs = options.ttlMs ?? 2_000;
  let cache: { at: number; index: Promise<SegmentIndex> } | undefined;
  return {
    async current(q) {
      if (!cache || Date.now() - cache.at > ttlMs) {
        const index = currentSegments(q).then(segmentIndexOf);
        cache = { at: Date.now(), index };
        index.catch(() => {
          if (cache?.index === index) cache = undefined;
        });
      }
      return cache.index;
    },
    invalidate() {
      cache = undefined;
    },
  };
}
