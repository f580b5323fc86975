import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { connectDatabase } from '../../db/client.js';
import { migrateDatabase } from '../../db/migrate.js';
import { provideDatabase } from '../../engine/database-target.js';
import { createLogger } from '../../infra/logger.js';
import { ResourceStack } from '../../infra/resource-stack.js';
import { print, type OutputOptions } from '../output.js';
import { action } from '../run-action.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description(
      'Apply the database migrations to DATABASE_URL (or to the embedded PostgreSQL when it is unset).',
    )
    .option('--json', 'print JSON')
    .action(
      action(async (options: OutputOptions) => {
        const config = loadConfig();
        const logger = createLogger(config.log);
        const stack = new ResourceStack();
        try {
          const database = await provideDatabase(config, stack, logger);
          const probe = await connectDatabase(database.url, { source: database.source, poolSize: 1 });
          stack.defer('database pool', probe.close);
          await migrateDatabase(database.url);
          print(
            options,
            { migrated: true, database: database.source ?? 'embedded PostgreSQL' },
            () => 'migrations applied\n',
          );
        } finally {
          await stack.close();
        }
      }),
    );
}
