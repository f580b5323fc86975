import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { print, type OutputOptions } from '../output.js';
import { action } from '../run-action.js';

/** `omnijourney bundle`: build the workflow bundle once (in an image build, say) so workers start in seconds. */
export function registerBundle(program: Command): void {
  program
    .command('bundle')
    .description(
      'Build the workflow bundle into a file; workers given WORKER_WORKFLOW_BUNDLE=FILE load it instead of bundling at start.',
    )
    .option('--out <file>', 'where to write it', 'workflow-bundle.js')
    .option('--json', 'print JSON: the file and its size')
    .action(
      action(async (options: OutputOptions & { out: string }) => {
        const { buildWorkflowBundle } = await import('../../worker/create-worker.js'); // loads webpack
        const code = await buildWorkflowBundle();
        const file = path.resolve(options.out);
        await writeFile(file, code);
        print(
          options,
          { file, bytes: Buffer.byteLength(code) },
          (r) => `workflow bundle: ${r.file} (${Math.round(r.bytes / 1024)} KiB)\n`,
        );
      }),
    );
}
