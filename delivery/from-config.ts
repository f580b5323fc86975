import type { Config, Secrets } from '../config/config.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../infra/logger.js';
import { templates } from '../journeys/templates.js';
import type { ChannelAdapter } from './channel-adapter.js';
import type { AdapterSettings } from './channels/channel-module.js';
import { channelModules } from './channels/index.js';
import type { Deliverer } from './delivery-request.js';
import { createDeliveryPipeline } from './delivery-pipeline.js';
import { ledgerOnlyDeliverer } from './ledger.js';

/** One adapter per channel the configuration sets up, in the registry's order. */
function adaptersFromConfig(settings: AdapterSettings): ChannelAdapter[] {
  return Object.values(channelModules).flatMap((module) => module.fromConfig(settings) ?? []);
}

/** The delivery pipeline over the configured adapters; with none configured, requests are recorded as skipped. */
export function delivererFromConfig(deps: {
  config: Config;
  secrets: Partial<Secrets>;
  db: Database;
  logger: Logger;
  publicBaseUrl: string;
  /** Instead of the configured ones (the demo's local peers). */
  adapters?: ChannelAdapter[];
}): Deliverer {
  const adapters = deps.adapters ?? adaptersFromConfig(deps);
  if (adapters.length === 0) return ledgerOnlyDeliverer(deps.db);
  deps.logger.info({ channels: adapters.map((a) => a.channel) }, 'channel adapters configured');
  return createDeliveryPipeline({
    db: deps.db,
    adapters,
    templates,
    logger: deps.logger.child({ component: 'delivery' }),
    unsubscribe: deps.secrets.unsubscribeSecret
      ? { secret: deps.secrets.unsubscribeSecret, baseUrl: deps.publicBaseUrl }
      : undefined,
  });
}
