import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '../db/client.js';
import { projectRoot } from '../infra/project-root.js';
import { segmentIndexOf } from './segment-catalog.js';
import { loadSegmentFiles } from './segment-files.js';
import { populateSegment } from './segment-population.js';
import { currentSegments, deploySegments } from './segment-store.js';

/** The segments the built-in journeys enter from (the win-back's lapsed-customers). */
export const builtInSegmentsDir = path.join(projectRoot, 'journeys', 'segments');

/**
 * Deploys the built-in segment files with the built-in journeys, and fills each new or changed one
 * from its candidate customers: a built-in journey on a segment that was never deployed would
 * silently never start.
 */
export async function deployBuiltInSegments(db: Database) {
  const files = (await readdir(builtInSegmentsDir))
    .filter((name) => /\.(ya?ml|json)$/.test(name))
    .sort()
    .map((name) => path.join(builtInSegmentsDir, name));
  const { loaded, invalid } = await loadSegmentFiles(files);
  if (invalid[0]) throw invalid[0];
  const deployed = await deploySegments(
    db,
    loaded.map((file) => file.definition),
  );
  const index = segmentIndexOf(await currentSegments(db));
  for (const result of deployed) if (result.changed) await populateSegment(db, index, result.segmentId);
  return deployed;
}
