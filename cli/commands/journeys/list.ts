import type { Command } from 'commander';
import { loadConfig } from '../../../config/config.js';
import { currentJourneys } from '../../../catalog/journey-catalog.js';
import { runCounts } from '../../../runs/journey-runs-query.js';
import { withDeployment } from '../../deployment.js';
import { formatTable, print, type OutputOptions } from '../../output.js';
import { action } from '../../run-action.js';

/** `journeys list`: the deployed journeys with their run counts. */
export function listCommand(journeys: Command): void {
  journeys
    .command('list')
    .description('The deployed journeys: current version, runs in flight and in total.')
    .option('--json', 'print JSON')
    .action(
      action(async (options: OutputOptions) => {
        await withDeployment(loadConfig(), async (deployment) => {
          const { db } = await deployment.database();
          const current = await currentJourneys(db);
          const counts = await runCounts(db);
          const rows = current.map(({ definition, version }) => {
            const count = counts.get(definition.id);
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
}
