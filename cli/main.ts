import { existsSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { packageInfo } from '../infra/project-root.js';
import { registerCommands } from './command-table.js';
import { exitCodes, reportAndExit, usageHint } from './run-action.js';

// A .env in the current folder fills in what the shell did not set (the shell wins).
if (existsSync('.env')) process.loadEnvFile('.env');

// A usage mistake is one line ending with a pointer to the help, not the whole help; subcommands
// inherit this output configuration and the exit override.
const program = new Command()
  .name('omnijourney')
  .description('Omnichannel customer-journey orchestration on Temporal')
  .version(packageInfo().version, '-V, --version', 'print the version')
  .configureOutput({
    outputError: (text, write) => write(`omnijourney: ${text.trim().replace(/^error: /, '')} ${usageHint}\n`),
  })
  .exitOverride();

try {
  await registerCommands(program, process.argv.slice(2));
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    const ok =
      error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version';
    process.exit(ok ? exitCodes.ok : exitCodes.usage);
  }
  reportAndExit(error);
}
