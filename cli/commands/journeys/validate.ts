import type { Command } from 'commander';
import { UserError } from '../../../infra/user-error.js';
import { builtInJourneys } from '../../../journeys/index.js';
import { checkJourney, InvalidJourneyError, loadJourneyFile } from '../../../catalog/journey-catalog.js';
import { formatProblem, type JourneyProblem } from '../../../catalog/journey-problems.js';
import { print, type OutputOptions } from '../../output.js';
import { action, exitCodes } from '../../run-action.js';

interface Result {
  source: string;
  id?: string;
  version?: string;
  problems: JourneyProblem[];
  warnings?: JourneyProblem[];
}

const lines = (problems: JourneyProblem[], prefix = '') =>
  problems.map((p) => `  ${prefix}${formatProblem(p)}\n`).join('');

/** `journeys validate`: schema, step graph and templates of journey files (or the built-in ones). */
export function validateCommand(journeys: Command): void {
  journeys
    .command('validate')
    .argument('[files...]', 'journey files (.ts, .js, .json, .yaml); none: the built-in journeys')
    .description('Check journey definitions: schema, step graph, templates and their variables.')
    .option('--json', 'print JSON')
    .action(
      action(async (files: string[], options: OutputOptions) => {
        const results: Result[] = [];
        const sources = files.length > 0 ? files : builtInJourneys.map((j) => `journeys/${j.id}.ts`);
        for (const [index, source] of sources.entries()) {
          try {
            const checked =
              files.length > 0 ? await loadJourneyFile(source) : checkJourney(builtInJourneys[index], source);
            const { id } = checked.definition;
            // Warnings (an SMS of many segments) are shown, and do not fail the check.
            const warnings = checked.warnings ?? [];
            // JSON keeps its shape when there are none.
            results.push({
              source,
              id,
              version: checked.version,
              problems: [],
              ...(warnings.length > 0 ? { warnings } : {}),
            });
          } catch (error) {
            if (error instanceof InvalidJourneyError) {
              results.push({ source, problems: error.problems });
            } else if (error instanceof UserError) {
              results.push({ source, problems: [{ path: '(file)', message: error.toLine() }] });
            } else throw error;
          }
        }
        print(options, results, (list) =>
          list
            .map((r) =>
              r.problems.length === 0
                ? `ok       ${r.source} (${r.id}, version ${r.version})\n${lines(r.warnings ?? [], 'warning: ')}`
                : `invalid  ${r.source}\n${lines(r.problems)}`,
            )
            .join(''),
        );
        if (results.some((r) => r.problems.length > 0)) process.exitCode = exitCodes.failure;
      }),
    );
}
