import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { environmentSecrets } from '../../engine/secrets.js';
import { joinSettings } from '../../engine/join-engine.js';
import { createLogger } from '../../infra/logger.js';
import { action } from '../run-action.js';
import { untilStopSignal } from '../stop-signal.js';

export function registerApi(program: Command): void {
  program
    .command('api')
    .description(
      'Serve the HTTP API (Segment-compatible ingest, push subscriptions, Twilio webhooks, unsubscribe, admin) against DATABASE_URL and TEMPORAL_ADDRESS (production; secrets from the environment), or, without them, for the `omnijourney start` running from this data folder (its secrets).',
    )
    .action(
      action(async () => {
        const { config, joined } = await joinSettings(loadConfig(), 'api');
        if (!joined) environmentSecrets(config); // refuse missing secrets before starting anything
        const logger = createLogger(config.log);
        // Loaded when run, not when listed: the engine pulls in Temporal's worker, fastify and drizzle.
        const { startEngine } = await import('../../engine/start-engine.js');
        const engine = await startEngine(config, logger, {
          worker: false,
          api: true,
          secrets: joined ? 'dev' : 'environment',
        });
        process.stdout.write(`API listening on ${engine.info.apiUrl}\n`);
        await untilStopSignal(engine, logger);
      }),
    );
}
