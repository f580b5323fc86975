import { and, count, eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import type { Queryable } from '../db/queryable.js';
import { segmentMemberships } from '../db/schema.js';
import type { SegmentIndex } from './segment-catalog.js';
import { candidatePage } from './segment-candidates.js';
import { updateMemberships } from './update-memberships.js';

export interface Population {
  segmentId: string;
  evaluated: number;
  members: number;
  changes: number;
}

/**
 * After a deploy: evaluates every candidate customer (segment-candidates.ts) against the current
 * version, page by page, recording rows and Segment Entered/Left events as any evaluation does
 * (the unrouted-event sweep routes them). From then on events and the clock keep it.
 */
export async function populateSegment(
  db: Database,
  index: SegmentIndex,
  segmentId: string,
  options: { at?: Date; pageSize?: number } = {},
): Promise<Population> {
  const deployed = index.segments.get(segmentId);
  const result: Population = { segmentId, evaluated: 0, members: 0, changes: 0 };
  if (!deployed) return result;
  const at = options.at ?? new Date();
  const ids = index.withDependents([segmentId]);
  let cursor: string | undefined;
  // Bounded by the customers table: each page moves the cursor past its last id.
  for (;;) {
    const page = await candidatePage(db, deployed.definition, { cursor, limit: options.pageSize ?? 500 });
    for (const customerId of page) {
      const written = await updateMemberships(db, index, { customerId, segmentIds: ids, at, cause: at });
      result.evaluated++;
      result.changes += written?.length ?? 0;
    }
    cursor = page.at(-1);
    if (cursor === undefined) break;
  }
  result.members = await countMembers(db, segmentId);
  return result;
}

/** Members now (the partial index on members answers it). */
export async function countMembers(db: Queryable, segmentId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(segmentMemberships)
    .where(and(eq(segmentMemberships.segmentId, segmentId), eq(segmentMemberships.member, true)));
  return row?.n ?? 0;
}
