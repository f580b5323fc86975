import type { Command } from 'commander';
import { loadConfig } from '../../../config/config.js';
import { UserError } from '../../../infra/user-error.js';
import { deployJourneys, loadJourneyFile } from '../../../catalog/journey-catalog.js';
import { withDeployment } from '../../deployment.js';
import { formatTable, print, type OutputOptions } from '../../output.js';
import { action } from '../../run-action.js';
import { builtIn } from './resolve-journey.js';

/** `journeys deploy`: validate and record new versions. */
export function deployCommand(journeys: Command): void {
  journeys
    .command('deploy')
    .argument('[files...]', 'journey files to deploy (none: the built-in journeys)')
    .description(
      'Validate and deploy journeys: the given files, or the built-in journeys when none is given; new runs take the new version, runs in flight keep theirs.',
    )
    .option('--with-built-ins', 'deploy the built-in journeys too, besides the given files')
    .option('--only', 'deploy only the given files (the default when files are given; kept for scripts)')
    .option('--json', 'print JSON')
    .action(
      action(async (files: string[], options: OutputOptions & { only?: boolean; withBuiltIns?: boolean }) => {
        // Files alone never redeploy what the operator did not name.
        const builtIns = files.length === 0 ? !options.only : Boolean(options.withBuiltIns);
        const checked = [
          ...(builtIns ? builtIn() : []),
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
}
