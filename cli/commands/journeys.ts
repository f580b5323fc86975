import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { and, desc, eq, or, sql } from 'drizzle-orm';
import { loadConfig } from '../../config/config.js';
import { journeyRuns, runStatuses } from '../../db/schema.js';
import { UserError } from '../../infra/user-error.js';
import { builtInJourneys } from '../../journeys/index.js';
import {
  checkJourney,
  currentJourneys,
  deployJourneys,
  InvalidJourneyError,
  loadJourneyFile,
  type VersionedJourney,
} from '../../catalog/journey-catalog.js';
import { journeyDiagram } from '../../catalog/journey-diagram.js';
import { cancelJourneyRun } from '../../workflows/journey-run/lifecycle.js';
import { withDeployment } from '../deployment.js';
import { formatTable, print, type OutputOptions } from '../output.js';
import { action, exitCodes } from '../run-action.js';
import { wholeNumber } from '../whole-number.js';

const builtIn = (): VersionedJourney[] =>
  builtInJourneys.map((journey) => checkJourney(journey, `journeys/${journey.id}.ts`));

/** A file path, a built-in journey id, or (with a deployment) a deployed one. */
async function resolveJourney(ref: string, deployed?: () => Promise<VersionedJourney[]>) {
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

export function registerJourneys(program: Command): void {
  const journeys = program
    .command('journeys')
    .description('Write, check, draw, deploy and operate journeys.');

  journeys
    .command('list')
    .description('The deployed journeys: current version, runs in flight and in total.')
    .option('--json', 'print JSON')
    .action(
      action(async (options: OutputOptions) => {
        await withDeployment(loadConfig(), async (deployment) => {
          const { db } = await deployment.database();
          const current = await currentJourneys(db);
          const counts = await db
            .select({
              journeyId: journeyRuns.journeyId,
              running: sql<number>`count(*) filter (where ${journeyRuns.status} = 'running')::int`,
              total: sql<number>`count(*)::int`,
            })
            .from(journeyRuns)
            .groupBy(journeyRuns.journeyId);
          const rows = current.map(({ definition, version }) => {
            const count = counts.find((c) => c.journeyId === definition.id);
            return {
              id: definition.id,
              name: definition.name,
              version,
              trigger: definition.trigger.event,
              running: count?.running ?? 0,
              runs: count?.total ?? 0,
            };
          });
          print(options, rows, (list) =>
            list.length === 0
              ? 'no journey deployed yet: `omnijourney journeys deploy`\n'
              : formatTable(
                  ['ID', 'NAME', 'VERSION', 'TRIGGER', 'RUNNING', 'RUNS'],
                  list.map((r) => [r.id, r.name, r.version, r.trigger, r.running, r.runs]),
                ),
          );
        });
      }),
    );

  journeys
    .command('validate')
    .argument('[files...]', 'journey files (.ts, .js, .json, .yaml); none: the built-in journeys')
    .description('Check journey definitions: schema, step graph, templates and their variables.')
    .option('--json', 'print JSON')
    .action(
      action(async (files: string[], options: OutputOptions) => {
        const results: { source: string; id?: string; version?: string; problems: string[] }[] = [];
        const sources = files.length > 0 ? files : builtInJourneys.map((j) => `journeys/${j.id}.ts`);
        for (const [index, source] of sources.entries()) {
          try {
            const checked =
              files.length > 0 ? await loadJourneyFile(source) : checkJourney(builtInJourneys[index], source);
            results.push({ source, id: checked.definition.id, version: checked.version, problems: [] });
          } catch (error) {
            if (error instanceof InvalidJourneyError) {
              results.push({ source, problems: error.problems.map((p) => `${p.path}: ${p.message}`) });
            } else if (error instanceof UserError) {
              results.push({ source, problems: [error.toLine()] });
            } else throw error;
          }
        }
        print(options, results, (list) =>
          list
            .map((r) =>
              r.problems.length === 0
                ? `ok       ${r.source} (${r.id}, version ${r.version})\n`
                : `invalid  ${r.source}\n${r.problems.map((p) => `  ${p}\n`).join('')}`,
            )
            .join(''),
        );
        if (results.some((r) => r.problems.length > 0)) process.exitCode = exitCodes.failure;
      }),
    );

  journeys
    .command('graph')
    .argument('<journey>', 'a journey id (built-in or deployed) or a journey file')
    .description('Print the journey as a Mermaid flowchart; --svg also renders it to a file.')
    .option('--svg <file>', 'write an SVG rendering of the diagram')
    .action(
      action(async (ref: string, options: { svg?: string }) => {
        const config = loadConfig();
        // Deployed journeys are looked up only when an engine or DATABASE_URL is there to ask.
        const journey = await resolveJourney(ref, async () => {
          let found: VersionedJourney[] = [];
          await withDeployment(config, async (d) => {
            found = await currentJourneys((await d.database()).db);
          }).catch((error: unknown) => {
            if (!(error instanceof UserError)) throw error;
          });
          return found;
        });
        const { mermaid, svg } = journeyDiagram(journey.definition);
        process.stdout.write(mermaid.endsWith('\n') ? mermaid : `${mermaid}\n`);
        if (options.svg) {
          try {
            await writeFile(options.svg, svg);
          } catch (error) {
            throw new UserError(
              `cannot write ${options.svg} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
            );
          }
          process.stderr.write(`SVG written to ${options.svg}\n`);
        }
      }),
    );

  journeys
    .command('deploy')
    .argument('[files...]', 'journey files to deploy besides the built-in journeys')
    .description('Validate and deploy journeys; new runs take the new version, runs in flight keep theirs.')
    .option('--only', 'deploy only the given files, not the built-in journeys')
    .option('--json', 'print JSON')
    .action(
      action(async (files: string[], options: OutputOptions & { only?: boolean }) => {
        const checked = [
          ...(options.only ? [] : builtIn()),
          ...(await Promise.all(files.map((file) => loadJourneyFile(file)))),
        ];
        if (checked.length === 0)
          throw new UserError('nothing to deploy', 'give journey files, or drop --only');
        await withDeployment(loadConfig(), async (deployment) => {
          const results = await deployJourneys((await deployment.database()).db, checked);
          print(options, results, (list) =>
            formatTable(
              ['ID', 'VERSION', 'RESULT'],
              list.map((r) => [r.journeyId, r.version, r.changed ? 'deployed' : 'unchanged']),
            ),
          );
        });
      }),
    );

  journeys
    .command('runs')
    .argument('<journey>', 'journey id')
    .description('Runs of a journey, newest first, from the journey_runs table.')
    .option('--status <status>', `only runs with this status (${runStatuses.join(', ')})`)
    .option('--customer <id>', 'only this customer')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print JSON')
    .action(
      action(
        async (
          journeyId: string,
          options: OutputOptions & { status?: string; customer?: string; limit: string },
        ) => {
          const limit = wholeNumber('--limit', options.limit, 1, 10_000);
          if (options.status && !(runStatuses as readonly string[]).includes(options.status))
            throw new UserError(`--status ${options.status} is not one of ${runStatuses.join(', ')}`);
          await withDeployment(loadConfig(), async (deployment) => {
            const { db } = await deployment.database();
            const known = (await currentJourneys(db)).some((j) => j.definition.id === journeyId);
            if (!known)
              throw new UserError(
                `unknown journey "${journeyId}"`,
                '`omnijourney journeys list` shows the deployed ones',
              );
            const rows = await db
              .select()
              .from(journeyRuns)
              .where(
                and(
                  eq(journeyRuns.journeyId, journeyId),
                  options.status
                    ? eq(journeyRuns.status, options.status as (typeof runStatuses)[number])
                    : undefined,
                  options.customer ? eq(journeyRuns.customerId, options.customer) : undefined,
                ),
              )
              .orderBy(desc(journeyRuns.startedAt))
              .limit(limit);
            print(options, rows, (list) =>
              list.length === 0
                ? 'no runs\n'
                : formatTable(
                    ['WORKFLOW ID', 'STATUS', 'STARTED', 'ENDED', 'REASON'],
                    list.map((r) => [r.workflowId, r.status, r.startedAt, r.endedAt, r.reason]),
                  ),
            );
          });
        },
      ),
    );

  journeys
    .command('cancel')
    .argument('<run>', 'a workflow id (journey/<journey>/<customer>/<key>) or a run id')
    .description('End a running journey run at once; its outcome becomes "cancelled".')
    .option('--reason <text>', 'recorded with the outcome', 'cancelled by an operator')
    .action(
      action(async (run: string, options: { reason: string }) => {
        await withDeployment(loadConfig(), async (deployment) => {
          const { db } = await deployment.database();
          const [row] = await db
            .select()
            .from(journeyRuns)
            .where(or(eq(journeyRuns.workflowId, run), eq(journeyRuns.runId, run)))
            .orderBy(desc(journeyRuns.startedAt))
            .limit(1);
          if (!row)
            throw new UserError(
              `no journey run "${run}"`,
              '`omnijourney journeys runs <journey>` lists them',
            );
          if (row.status !== 'running')
            throw new UserError(`run ${row.workflowId} has already ended (${row.status})`);
          const { client } = await deployment.temporal();
          try {
            await cancelJourneyRun(client, row.workflowId, options.reason);
          } catch (error) {
            if (error instanceof WorkflowNotFoundError)
              throw new UserError(`run ${row.workflowId} is not running in Temporal`);
            throw error;
          }
          process.stdout.write(`cancel requested for ${row.workflowId}: ${options.reason}\n`);
        });
      }),
    );
}
