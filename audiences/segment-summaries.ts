import { and, asc, count, eq } from 'drizzle-orm';
import type { Queryable } from '../db/queryable.js';
import { segmentMemberships } from '../db/schema.js';
import { didYouMeanSuffix } from '../domain/did-you-mean.js';
import type { SegmentDefinition } from '../domain/segment-definition.js';
import { currentSegments, segmentVersionsOf } from './segment-store.js';

export interface SegmentSummary {
  id: string;
  name: string;
  version: string;
  deployedAt: Date;
  members: number;
  sample?: string[];
}

/** Every deployed segment with its member count (one grouped count over the members index). */
export async function listSegments(db: Queryable): Promise<SegmentSummary[]> {
  const [segments, counts] = await Promise.all([
    currentSegments(db),
    db
      .select({ id: segmentMemberships.segmentId, n: count() })
      .from(segmentMemberships)
      .where(eq(segmentMemberships.member, true))
      .groupBy(segmentMemberships.segmentId),
  ]);
  const members = new Map(counts.map((c) => [c.id, c.n]));
  return segments.map((s) => ({
    id: s.definition.id,
    name: s.definition.name,
    version: s.version,
    deployedAt: s.deployedAt,
    members: members.get(s.definition.id) ?? 0,
  }));
}

/** One segment, its definition, versions and a sample of members; or why there is none. */
export async function showSegment(
  db: Queryable,
  id: string,
): Promise<
  | (SegmentSummary & {
      description: string | null;
      definition: SegmentDefinition;
      versions: { version: string; deployedAt: Date }[];
      sample: string[];
    })
  | { unknown: string }
> {
  const all = await listSegments(db);
  const summary = all.find((s) => s.id === id);
  const deployed = (await currentSegments(db)).find((s) => s.definition.id === id);
  if (!summary || !deployed)
    return {
      unknown: `no deployed segment "${id}"${didYouMeanSuffix(
        id,
        all.map((s) => s.id),
      )}; \`omnijourney segments list\` shows them`,
    };
  const [versions, sample] = await Promise.all([
    segmentVersionsOf(db, id),
    db
      .select({ customerId: segmentMemberships.customerId })
      .from(segmentMemberships)
      .where(and(eq(segmentMemberships.segmentId, id), eq(segmentMemberships.member, true)))
      .orderBy(asc(segmentMemberships.customerId))
      .limit(10),
  ]);
  return {
    ...summary,
    description: deployed.definition.description ?? null,
    definition: deployed.definition,
    versions,
    sample: sample.map((s) => s.customerId),
  };
}
