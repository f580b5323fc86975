import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadConfig } from '../../../config/config.js';
import { UserError } from '../../../infra/user-error.js';
import { currentJourneys, type VersionedJourney } from '../../../catalog/journey-catalog.js';
import { journeyToMermaid } from '../../../domain/journey-mermaid.js';
import { withDeployment } from '../../deployment.js';
import { print, type OutputOptions } from '../../output.js';
import { action } from '../../run-action.js';
import { resolveJourney } from './resolve-journey.js';

/** `journeys graph`: the Mermaid flowchart, and an SVG with --svg. */
export function graphCommand(journeys: Command): void {
  journeys
    .command('graph')
    .argument('<journey>', 'a journey id (built-in or deployed) or a journey file')
    .description('Print the journey as a Mermaid flowchart; --svg also renders it to a file.')
    .option('--svg <file>', 'write an SVG rendering of the diagram')
    .option('--json', 'print JSON: the journey id, version and Mermaid text')
    .action(
      action(async (ref: string, options: OutputOptions & { svg?: string }) => {
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
        const mermaid = journeyToMermaid(journey.definition);
        print(
          options,
          { journeyId: journey.definition.id, version: journey.version, mermaid, svg: options.svg ?? null },
          (r) => (r.mermaid.endsWith('\n') ? r.mermaid : `${r.mermaid}\n`),
        );
        if (options.svg) {
          // The renderer is loaded only for --svg: it is slow to load.
          const { journeyDiagram } = await import('../../../catalog/journey-diagram.js');
          const { svg } = journeyDiagram(journey.definition);
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
