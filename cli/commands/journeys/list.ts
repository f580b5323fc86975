import type { Command } from 'commander';
import { loadConfig } from '../../../config/config.js';
import { journeySummaries } from '../../../runs/journey-summaries.js';
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
          const rows = await journeySummaries(db);
          print(options, rows, (list) =>
            list.length === 0
              ? 'no journey deployed yet: `omnijourney journeys deploy FILE` (or --builtin)\n'
              : formatTable(
                  ['ID', 'NAME', 'VERSION', 'TRIGGER', 'STATE', 'RUNNING', 'RUNS'],
                  list.map((r) => [r.id, r.name, r.version, r.trigger, r.state, r.running, r.runs]),
                ),
          );
        });
      }),
    );
}
