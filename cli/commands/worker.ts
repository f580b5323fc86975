import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { joinSettings } from '../../engine/join-engine.js';
import { createLogger } from '../../infra/logger.js';
import { action } from '../run-action.js';
import { untilStopSignal } from '../stop-signal.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'Run a worker against TEMPORAL_ADDRESS and DATABASE_URL (production), or, without them, for the `omnijourney start` running from this data folder. Start several, on one machine or many: they share the task queue.',
    )
    .action(
      action(async () => {
        const { config, joined } = await joinSettings(loadConfig(), 'worker');
        const logger = createLogger(config.log);
        // Loaded when run, not when listed: the engine pulls in Temporal's worker, fastify and drizzle.
        const { startEngine } = await import('../../engine/start-engine.js');
        const engine = await startEngine(config, logger, {
          worker: true,
          api: false,
          ...(joined ? { secrets: 'dev' as const } : {}),
        });
        if (joined)
          process.stdout.write(
            `worker joined the engine of ${config.dataDir} (task queue ${config.temporal.taskQueue})\n`,
          );
        await untilStopSignal(engine, logger);
      }),
    );
}
