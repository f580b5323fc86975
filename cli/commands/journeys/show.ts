import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadConfig } from '../../../config/config.js';
import { withDeployment } from '../../deployment.js';
import { action } from '../../run-action.js';
import { UsageError } from '../../usage-error.js';
import { deployedJourney } from './resolve-journey.js';

/** `journeys show`: a deployed definition as a file to copy, edit and `journeys deploy` again. */
export function showCommand(journeys: Command): void {
  journeys
    .command('show')
    .argument('<id>', 'a deployed journey id (`journeys list`)')
    .description('Print a deployed journey definition (YAML, or JSON) to copy, edit and deploy as a file.')
    .option('--yaml', 'print YAML (the default)')
    .option('--json', 'print JSON')
    .action(
      action(async (id: string, options: { yaml?: boolean; json?: boolean }) => {
        if (options.yaml && options.json) throw new UsageError('--yaml and --json: choose one');
        await withDeployment(loadConfig(), async (deployment) => {
          const { db } = await deployment.database();
          const { definition, version } = await deployedJourney(db, id);
          process.stdout.write(
            options.json
              ? `${JSON.stringify(definition, null, 2)}\n`
              : `# ${definition.id}, version ${version}: edit, then \`omnijourney journeys deploy FILE\`\n${stringify(definition)}`,
          );
        });
      }),
    );
}
