import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadConfig } from '../../../config/config.js';
import { UserError } from '../../../infra/user-error.js';
import { currentJourneys, type VersionedJourney } from '../../../catalog/journey-catalog.js';
import { journeyDiagram } from '../../../catalog/journey-diagram.js';
import { withDeployment } from '../../deployment.js';
import { action } from '../../run-action.js';
import { resolveJourney } from './resolve-journey.js';

/** `journeys graph`: the Mermaid flowchart, and an SVG with --svg. */
export function graphCommand(journeys: Command): void {
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
}
