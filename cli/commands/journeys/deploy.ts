import type { Command } from 'commander';
import { loadConfig } from '../../../config/config.js';
import { deployJourneys, loadJourneyFile } from '../../../catalog/journey-catalog.js';
import { deployTemplates } from '../../../catalog/template-store.js';
import { withDeployment } from '../../deployment.js';
import { formatTable, print, type OutputOptions } from '../../output.js';
import { action } from '../../run-action.js';
import { UsageError } from '../../usage-error.js';
import { builtIn } from './resolve-journey.js';
import { isScheduleTrigger } from '../../../domain/journey-trigger.js';

/** `journeys deploy`: validate and record new versions of what it is given, nothing else. */
export function deployCommand(journeys: Command): void {
  journeys
    .command('deploy')
    .argument('[files...]', 'journey files to deploy')
    .description(
      'Validate and deploy the given journey files (and the built-in journeys with --builtin), nothing else; new runs take the new version, runs in flight keep theirs.',
    )
    .option('--builtin', 'deploy the built-in journeys (besides any files given)')
    .option('--json', 'print JSON')
    .action(
      action(async (files: string[], options: OutputOptions & { builtin?: boolean }) => {
        // A deploy never touches a journey the operator did not name.
        if (files.length === 0 && !options.builtin)
          throw new UsageError(
            'nothing to deploy: give journey files, or --builtin for the built-in journeys',
          );
        const checked = [
          ...(options.builtin ? builtIn() : []),
          ...(await Promise.all(files.map((file) => loadJourneyFile(file)))),
        ];
        await withDeployment(loadConfig(), async (deployment) => {
          const { db } = await deployment.database();
          // The segments the built-in journeys enter from, deployed and filled before them.
          if (options.builtin) {
            const { deployBuiltInSegments } = await import('../../../audiences/builtin-segments.js');
            await deployBuiltInSegments(db);
          }
          // The templates the journeys name, first (deployJourneys finds them current): listed with their versions.
          const named = new Map(checked.flatMap((j) => j.templates ?? []).map((t) => [t.id, t]));
          const templates = await deployTemplates(db, [...named.values()]);
          const results = await deployJourneys(db, checked);
          // A scheduled journey's entry workflow starts now (or plans again with the new schedule).
          if (checked.some((j) => isScheduleTrigger(j.definition.trigger))) {
            const { client, taskQueue } = await deployment.temporal();
            const { syncScheduledEntries } = await import('../../../runs/scheduled-entries.js');
            await syncScheduledEntries(db, client, taskQueue);
          }
          const result = (changed: boolean) => (changed ? 'deployed' : 'unchanged');
          print(options, results, (list) =>
            [
              formatTable(
                ['ID', 'VERSION', 'RESULT'],
                list.map((r) => [r.journeyId, r.version, result(r.changed)]),
              ),
              templates.length === 0
                ? ''
                : formatTable(
                    ['TEMPLATE', 'VERSION', 'RESULT'],
                    templates.map((t) => [t.templateId, t.version, result(t.changed)]),
                  ),
            ].join(''),
          );
        });
      }),
    );
}
