import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { createLogger } from '../../infra/logger.js';
import { requireDeployment } from '../require-deployment.js';
import { action } from '../run-action.js';
import { untilStopSignal } from '../stop-signal.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'Run a worker against TEMPORAL_ADDRESS and DATABASE_URL (production). Start several, on one machine or many: they share the task queue.',
    )
    .action(
      action(async () => {
        const config = loadConfig();
        requireDeployment(config, 'worker');
        const logger = createLogger(config.log);
        // Loaded when run, not when listed: the engine pulls in Temporal's worker, fastify and drizzle.
        const { startEngine } = await import('../../engine/start-engine.js');
        const engine = await startEngine(config, logger, { worker: true, api: false });
        await untilStopSignal(engine, logger);
      }),
    );
}
