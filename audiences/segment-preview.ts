import type { Database } from '../db/client.js';
import type { SegmentDefinition } from '../domain/segment-definition.js';
import { evaluateSegment } from '../domain/segment-evaluation.js';
import { candidatePage } from './segment-candidates.js';
import { factsFor, readFacts, segmentFactReads } from './segment-facts.js';
import { currentSegments, segmentVersion } from './segment-store.js';

/** Customers shown per list. */
const sampleSize = 10;

export interface SegmentPreview {
  segmentId: string;
  version: string;
  /** The deployed version it would replace; null: not deployed. */
  deployedVersion: string | null;
  /** Customers evaluated; `truncated` when more candidates were left unevaluated (the bound). */
  evaluated: number;
  truncated: boolean;
  size: number;
  sample: string[];
  /** For a change of a deployed segment: who would enter and who would leave. */
  change: { entering: number; leaving: number; enteringSample: string[]; leavingSample: string[] } | null;
}

/**
 * What a definition would select now, computed without writing anything: its size and a sample;
 * for a new version of a deployed segment, who would enter and leave against today's members.
 * Bounded: at most `limit` candidate customers are evaluated.
 */
export async function previewSegment(
  db: Database,
  definition: SegmentDefinition,
  options: { at?: Date; limit?: number } = {},
): Promise<SegmentPreview> {
  const at = options.at ?? new Date();
  const limit = options.limit ?? 10_000;
  const deployed = (await currentSegments(db)).find((s) => s.definition.id === definition.id);
  const preview: SegmentPreview = {
    segmentId: definition.id,
    version: segmentVersion(definition),
    deployedVersion: deployed?.version ?? null,
    evaluated: 0,
    truncated: false,
    size: 0,
    sample: [],
    change: deployed ? { entering: 0, leaving: 0, enteringSample: [], leavingSample: [] } : null,
  };
  let cursor: string | undefined;
  while (preview.evaluated < limit) {
    const page = await candidatePage(db, definition, {
      cursor,
      limit: Math.min(500, limit - preview.evaluated),
    });
    for (const customerId of page) {
      const read = await readFacts(segmentFactReads(db, customerId, [definition], at, false), (...reads) =>
        Promise.all(reads),
      );
      const now = read.rows.find((row) => row.segmentId === definition.id)?.member ?? false;
      const member = evaluateSegment(
        definition,
        factsFor(customerId, definition, read, new Map()),
        at,
      ).member;
      tally(preview, customerId, { now, member });
    }
    cursor = page.at(-1);
    if (cursor === undefined) break;
  }
  if (cursor !== undefined)
    preview.truncated = (await candidatePage(db, definition, { cursor, limit: 1 })).length > 0;
  return preview;
}

function tally(
  preview: SegmentPreview,
  customerId: string,
  { now, member }: { now: boolean; member: boolean },
) {
  preview.evaluated++;
  if (member) {
    preview.size++;
    if (preview.sample.length < sampleSize) preview.sample.push(customerId);
  }
  const change = preview.change;
  if (!change || now === member) return;
  if (member) {
    change.entering++;
    if (change.enteringSample.length < sampleSize) change.enteringSample.push(customerId);
  } else {
    change.leaving++;
    if (change.leavingSample.length < sampleSize) change.leavingSample.push(customerId);
  }
}
