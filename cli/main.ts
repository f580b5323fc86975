import { existsSync, readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerApi } from './commands/api.js';
import { registerBundle } from './commands/bundle.js';
import { registerCustomers } from './commands/customers.js';
import { registerDeliveries } from './commands/deliveries.js';
import { registerEvents } from './commands/events.js';
import { registerStats } from './commands/stats.js';
import { registerJourneys } from './commands/journeys/index.js';
import { registerMigrate } from './commands/migrate.js';
import { registerSetup } from './commands/setup.js';
import { registerStart } from './commands/start.js';
import { registerWorker } from './commands/worker.js';
import { exitCodes } from './run-action.js';

// A .env in the current folder fills in what the shell did not set (the shell wins).
if (existsSync('.env')) process.loadEnvFile('.env');

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

// A usage mistake is one line and a pointer to the help, not the whole help (subcommands inherit it).
const program = new Command()
  .name('omnijourney')
  .description('Omnichannel customer-journey orchestration on Temporal')
  .version(version, '-V, --version', 'print the version')
  .showHelpAfterError('(add --help for usage)')
  .exitOverride();

registerStart(program);
registerWorker(program);
registerApi(program);
registerMigrate(program);
registerBundle(program);
registerSetup(program);
registerJourneys(program);
registerEvents(program);
registerCustomers(program);
registerDeliveries(program);
registerStats(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    const ok =
      error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version';
    process.exit(ok ? exitCodes.ok : exitCodes.usage);
  }
  throw error;
}
