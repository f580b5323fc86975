import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { action } from '../run-action.js';

/** `omnijourney bundle`: build the workflow bundle once (in an image build, say) so workers start in seconds. */
export function registerBundle(program: Command): void {
  program
    .command('bundle')
    .description(
      'Build the workflow bundle into a file; workers given WORKER_WORKFLOW_BUNDLE=FILE load it instead of bundling at start.',
    )
    .option('--out <file>', 'where to write it', 'workflow-bundle.js')
    .action(
      action(async (options: { out: string }) => {
        const { buildWorkflowBundle } = await import('../../worker/create-worker.js'); // loads webpack
        const code = await buildWorkflowBundle();
        const file = path.resolve(options.out);
        await writeFile(file, code);
        process.stdout.write(`workflow bundle: ${file} (${Math.round(code.length / 1024)} KiB)\n`);
      }),
    );
}
