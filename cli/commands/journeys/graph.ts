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

/** Writes a file, a failure as one line naming it. */
async function write(file: string, content: string | (() => Promise<unknown>)): Promise<void> {
  try {
    await (typeof content === 'string' ? writeFile(file, content) : content());
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`cannot write ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** `journeys graph`: the Mermaid flowchart; an SVG with --svg, a PNG with --png. */
export function graphCommand(journeys: Command): void {
  journeys
    .command('graph')
    .argument('<journey>', 'a journey id (built-in or deployed) or a journey file')
    .description(
      'Print the journey as a Mermaid flowchart; --svg and --png also draw it to a file (no deployment needed).',
    )
    .option('--svg <file>', 'write an SVG rendering of the diagram (explicit colours: any viewer shows it)')
    .option('--png <file>', 'write a PNG (drawn by rsvg-convert when installed, else headless Chromium)')
    .option('--json', 'print JSON: the journey id, version and Mermaid text')
    .action(
      action(async (ref: string, options: OutputOptions & { svg?: string; png?: string }) => {
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
          {
            journeyId: journey.definition.id,
            version: journey.version,
            mermaid,
            svg: options.svg ?? null,
            png: options.png ?? null,
          },
          (r) => (r.mermaid.endsWith('\n') ? r.mermaid : `${r.mermaid}\n`),
        );
        if (options.svg || options.png) {
          // The renderer is loaded only for a drawing: it is slow to load.
          const { journeyDiagram } = await import('../../../catalog/journey-diagram.js');
          const { svg } = journeyDiagram(journey.definition);
          if (options.svg) {
            await write(options.svg, svg);
            process.stderr.write(`SVG written to ${options.svg}\n`);
          }
          const png = options.png;
          if (png) {
            const { writeDiagramPng } = await import('../../../catalog/journey-diagram-png.js');
            let renderer = '';
            await write(png, async () => {
              renderer = await writeDiagramPng(svg, png, (line) => process.stderr.write(`${line}\n`));
            });
            process.stderr.write(`PNG written to ${png} (drawn by ${renderer})\n`);
          }
        }
      }),
    );
}
