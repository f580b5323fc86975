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
import { createRateGovernor } from './rate-governor.js';

/** One adapter per channel the configuration sets up, in the registry's order. */
function adaptersFromConfig(settings: AdapterSettings): ChannelAdapter[] {
  return Object.values(channelModules).flatMap((module) => module.fromConfig(settings) ?? []);
}

interface FromConfigDeps {
  config: Config;
  secrets: Partial<Secrets> & { generatedFile?: string };
  db: Database;
  logger: Logger;
  publicBaseUrl: string;
  /** Instead of the configured ones (the demo's local peers). */
  adapters?: ChannelAdapter[];
}

/**
 * Whether links to this engine (unsubscribe, Twilio callbacks) reach it: PUBLIC_BASE_URL is set,
 * or the all-in-one `start` (its generated dev secrets) serves the API at the address derived
 * from it. A lone worker without PUBLIC_BASE_URL could only guess.
 */
const publicUrlKnown = (deps: FromConfigDeps) =>
  Boolean(deps.config.api.publicBaseUrl) || Boolean(deps.secrets.generatedFile);

/** Why this worker may not send marketing messages (no working unsubscribe link), if it may not. */
export function marketingRefusal(deps: FromConfigDeps): string | undefined {
  const missing = [
    ...(deps.secrets.unsubscribeSecret ? [] : ['UNSUBSCRIBE_SECRET']),
    ...(publicUrlKnown(deps) ? [] : ['PUBLIC_BASE_URL']),
  ];
  if (missing.length === 0) return undefined;
  return `marketing refused: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set on this worker, so the message could carry no working unsubscribe link`;
}

/** The delivery pipeline over the configured adapters; with none configured, requests are recorded as skipped. */
export function delivererFromConfig(deps: FromConfigDeps): Deliverer {
  const adapters = deps.adapters ?? adaptersFromConfig(deps);
  if (adapters.length === 0) return ledgerOnlyDeliverer(deps.db);
  const { logger } = deps;
  logger.info({ channels: adapters.map((a) => a.channel) }, 'channel adapters configured');
  const refusal = marketingRefusal(deps);
  if (refusal) logger.warn(`${refusal}; transactional messages are sent`);
  if (adapters.some((a) => a.channel === 'sms') && !publicUrlKnown(deps))
    logger.warn(
      `SMS is configured without PUBLIC_BASE_URL: Twilio status callbacks go to ${deps.publicBaseUrl}, which Twilio cannot reach; set PUBLIC_BASE_URL`,
    );
  if (!deps.config.shop.url && !deps.secrets.generatedFile)
    logger.warn(
      `SHOP_URL is not set: links in messages open ${deps.publicBaseUrl} (this engine); set SHOP_URL to your shop's URL`,
    );
  const limits = deps.config.rateLimits;
  if (Object.keys(limits).length > 0) logger.info({ rateLimits: limits }, 'provider rate governor on');
  return createDeliveryPipeline({
    db: deps.db,
    adapters,
    rateGovernor: Object.keys(limits).length > 0 ? createRateGovernor({ db: deps.db, limits }) : undefined,
    templates,
    logger: logger.child({ component: 'delivery' }),
    unsubscribe: deps.secrets.unsubscribeSecret
      ? { secret: deps.secrets.unsubscribeSecret, baseUrl: deps.publicBaseUrl }
      : undefined,
    marketingRefusal: refusal,
    shop: { url: deps.config.shop.url ?? deps.publicBaseUrl, name: 'Shop' },
  });
}
