import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { formatSegmentProblem } from '../../domain/segment-file.js';
import { UserError } from '../../infra/user-error.js';
import { withDeployment, type Deployment } from '../deployment.js';
import { formatTable, print, type OutputOptions } from '../output.js';
import { action, exitCodes } from '../run-action.js';
import { UsageError } from '../usage-error.js';
import { formatPreview, registerSegmentReads } from './segments-show.js';

/** The deployed segments' references, or none when no deployment is reachable (validate works offline). */
async function deployedOrNone(deployment: Deployment): Promise<Map<string, string[]> | undefined> {
  const { deployedReferences } = await import('../../audiences/segment-store.js');
  try {
    return await deployedReferences((await deployment.database()).db);
  } catch (error) {
    if (error instanceof UserError) return undefined;
    throw error;
  }
}

/** Loads files together; any invalid one: every problem on stderr, exit code 2, nothing changed. */
async function loadOrRefuse(
  files: string[],
  deployed: Map<string, string[]> | undefined,
  options: OutputOptions,
) {
  const { loadSegmentFiles } = await import('../../audiences/segment-files.js');
  const { loaded, invalid } = await loadSegmentFiles(files, deployed);
  if (invalid.length === 0) return loaded;
  if (options.json)
    print(
      options,
      invalid.map((e) => ({ source: e.source, problems: e.problems })),
      () => '',
    );
  else
    process.stderr.write(
      invalid
        .map(
          (e) =>
            `omnijourney: ${e.source} is not a valid segment:\n${e.problems.map((p) => `  ${formatSegmentProblem(e.source, p)}\n`).join('')}`,
        )
        .join(''),
    );
  process.exitCode = exitCodes.usage;
  return undefined;
}

function validateCommand(segments: Command): void {
  segments
    .command('validate')
    .argument('<files...>', 'segment files (.yaml or .json)')
    .description(
      'Check segment files: every problem with its line, column and path; references are checked against the deployed segments when the engine is reachable.',
    )
    .option('--json', 'print JSON')
    .action(
      action(async (files: string[], options: OutputOptions) => {
        await withDeployment(loadConfig(), async (deployment) => {
          const deployed = await deployedOrNone(deployment);
          const loaded = await loadOrRefuse(files, deployed, options);
          if (!loaded) return;
          const { segmentVersion } = await import('../../audiences/segment-store.js');
          const results = loaded.map((s) => ({
            source: s.source,
            id: s.definition.id,
            version: segmentVersion(s.definition),
          }));
          print(options, results, (list) =>
            list
              .map((r) => `ok  ${r.source} (${r.id}, version ${r.version})\n`)
              .concat(deployed ? [] : ['(no engine reachable: references checked among these files only)\n'])
              .join(''),
          );
        });
      }),
    );
}

function deployCommand(segments: Command): void {
  segments
    .command('deploy')
    .argument('<files...>', 'segment files (.yaml or .json)')
    .description(
      'Validate and deploy segment files, then evaluate every candidate customer so each new or changed segment is populated; from then on events and the segment clock keep it.',
    )
    .option('--json', 'print JSON')
    .action(
      action(async (files: string[], options: OutputOptions) => {
        if (files.length === 0) throw new UsageError('nothing to deploy: give segment files');
        await withDeployment(loadConfig(), async (deployment) => {
          const { db } = await deployment.database();
          const loaded = await loadOrRefuse(files, await deployedOrNone(deployment), options);
          if (!loaded) return;
          const [{ deploySegments, currentSegments }, { populateSegment }, { segmentIndexOf }] =
            await Promise.all([
              import('../../audiences/segment-store.js'),
              import('../../audiences/segment-population.js'),
              import('../../audiences/segment-catalog.js'),
            ]);
          const deployed = await deploySegments(
            db,
            loaded.map((s) => s.definition),
          );
          const index = segmentIndexOf(await currentSegments(db));
          const results = [];
          for (const result of deployed) {
            const population = result.changed
              ? await populateSegment(db, index, result.segmentId)
              : undefined;
            results.push({
              ...result,
              members: population?.members ?? null,
              evaluated: population?.evaluated ?? 0,
            });
          }
          print(options, results, (list) =>
            formatTable(
              ['ID', 'VERSION', 'RESULT', 'EVALUATED', 'MEMBERS'],
              list.map((r) => [
                r.segmentId,
                r.version,
                r.changed ? 'deployed' : 'unchanged',
                r.evaluated,
                r.members ?? '-',
              ]),
            ),
          );
        });
      }),
    );
}

function previewCommand(segments: Command): void {
  segments
    .command('preview')
    .argument('<file>', 'a segment file (.yaml or .json)')
    .description(
      'Who a segment file selects now, without deploying or writing anything: size, a sample of customers, and for a change of a deployed segment who would enter and who would leave.',
    )
    .option('--limit <n>', 'evaluate at most this many candidate customers', '10000')
    .option('--json', 'print JSON')
    .action(
      action(async (file: string, options: OutputOptions & { limit: string }) => {
        const limit = Number(options.limit);
        if (!Number.isSafeInteger(limit) || limit < 1)
          throw new UsageError(`--limit: expected a whole number of at least 1, got "${options.limit}"`);
        await withDeployment(loadConfig(), async (deployment) => {
          const { db } = await deployment.database();
          const loaded = await loadOrRefuse([file], await deployedOrNone(deployment), options);
          const definition = loaded?.[0]?.definition;
          if (!definition) return;
          const { previewSegment } = await import('../../audiences/segment-preview.js');
          print(options, await previewSegment(db, definition, { limit }), formatPreview);
        });
      }),
    );
}

export function registerSegments(program: Command): void {
  const segments = program
    .command('segments')
    .description('Write, check, preview and deploy segments (files of conditions) and see who is in them.');
  registerSegmentReads(segments);
  previewCommand(segments);
  validateCommand(segments);
  deployCommand(segments);
}
