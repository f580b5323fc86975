import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { environmentSecrets } from '../../engine/secrets.js';
import { createLogger } from '../../infra/logger.js';
import { requireDeployment } from '../require-deployment.js';
import { action } from '../run-action.js';
import { untilStopSignal } from '../stop-signal.js';

export function registerApi(program: Command): void {
  program
    .command('api')
    .description(
      'Serve the HTTP API (Segment-compatible ingest, push subscriptions, Twilio webhooks, unsubscribe, admin) against DATABASE_URL and TEMPORAL_ADDRESS (production). Secrets come from the environment.',
    )
    .action(
      action(async () => {
        const config = loadConfig();
        requireDeployment(config, 'api');
        environmentSecrets(config); // refuse missing secrets before starting anything
        const logger = createLogger(config.log);
        // Loaded when run, not when listed: the engine pulls in Temporal's worker, fastify and drizzle.
        const { startEngine } = await import('../../engine/start-engine.js');
        const engine = await startEngine(config, logger, {
          worker: false,
          api: true,
          secrets: 'environment',
        });
        process.stdout.write(`API listening on ${engine.info.apiUrl}\n`);
        await untilStopSignal(engine, logger);
      }),
    );
}
