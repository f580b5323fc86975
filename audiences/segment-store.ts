import { and, desc, eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import type { Queryable } from '../db/queryable.js';
import { segmentVersions } from '../db/schema.js';
import { contentVersion } from '../catalog/journey-version.js';
import { referencedSegments, type SegmentDefinition } from '../domain/segment-definition.js';

/** A deployed segment: its current version (the newest deployment). */
export interface DeployedSegment {
  definition: SegmentDefinition;
  version: string;
  deployedAt: Date;
}

/** A segment's version: the content hash of its validated definition. */
export const segmentVersion = (definition: SegmentDefinition): string => contentVersion(definition);

/** The current version of every deployed segment, by id. */
export async function currentSegments(db: Queryable): Promise<DeployedSegment[]> {
  return db
    .selectDistinctOn([segmentVersions.segmentId], {
      definition: segmentVersions.definition,
      version: segmentVersions.version,
      deployedAt: segmentVersions.deployedAt,
    })
    .from(segmentVersions)
    .orderBy(segmentVersions.segmentId, desc(segmentVersions.deployedAt));
}

/** What each deployed segment references: for validating a new one (unknown names, loops). */
export async function deployedReferences(db: Queryable): Promise<Map<string, string[]>> {
  return new Map((await currentSegments(db)).map((s) => [s.definition.id, referencedSegments(s.definition)]));
}

/** Every version of a segment ever deployed, newest deployment first. */
export function segmentVersionsOf(db: Queryable, segmentId: string) {
  return db
    .select({ version: segmentVersions.version, deployedAt: segmentVersions.deployedAt })
    .from(segmentVersions)
    .where(eq(segmentVersions.segmentId, segmentId))
    .orderBy(desc(segmentVersions.deployedAt));
}

/** One deployed version, current or not. */
export async function segmentAtVersion(
  db: Queryable,
  segmentId: string,
  version: string,
): Promise<SegmentDefinition | undefined> {
  const [row] = await db
    .select({ definition: segmentVersions.definition })
    .from(segmentVersions)
    .where(and(eq(segmentVersions.segmentId, segmentId), eq(segmentVersions.version, version)));
  return row?.definition;
}

/**
 * Records each definition's version once and makes it current. Redeploying the current version
 * changes nothing; redeploying an older one makes it current again.
 */
export async function deploySegments(
  db: Database,
  definitions: readonly SegmentDefinition[],
): Promise<{ segmentId: string; version: string; changed: boolean }[]> {
  const current = new Map((await currentSegments(db)).map((s) => [s.definition.id, s.version]));
  const results = [];
  for (const definition of definitions) {
    const version = segmentVersion(definition);
    const changed = current.get(definition.id) !== version;
    if (changed)
      await db
        .insert(segmentVersions)
        .values({ segmentId: definition.id, version, definition, deployedAt: new Date() })
        .onConflictDoUpdate({
          target: [segmentVersions.segmentId, segmentVersions.version],
          set: { deployedAt: new Date() },
        });
    results.push({ segmentId: definition.id, version, changed });
  }
  return results;
}
