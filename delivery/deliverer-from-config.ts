import type { Config, Secrets } from '../config/config.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../infra/logger.js';
import { readPemFile } from '../infra/read-pem.js';
import { templates } from '../journeys/templates.js';
import { createEmailAdapter } from './adapters/email-adapter.js';
import { createPushAdapter } from './adapters/push-adapter.js';
import { createSmsAdapter } from './adapters/sms-adapter.js';
import { createWebhookAdapter } from './adapters/webhook-adapter.js';
import type { ChannelAdapter } from './channel-adapter.js';
import { ledgerOnlyDeliverer, type Deliverer } from './deliverer.js';
import { createDeliveryPipeline } from './delivery-pipeline.js';

/** The adapter registry: one entry per configured channel. Adding a channel adds one line here. */
export function adaptersFromConfig(
  config: Config,
  secrets: Partial<Secrets>,
  publicBaseUrl: string,
): ChannelAdapter[] {
  const adapters: ChannelAdapter[] = [];
  const { email, sms, webhook } = config.channels;
  if (email)
    adapters.push(
      createEmailAdapter({
        smtpUrl: email.smtpUrl,
        from: email.from,
        messageIdDomain: new URL(publicBaseUrl).hostname,
        dkim: email.dkim && {
          domainName: email.dkim.domainName,
          keySelector: email.dkim.keySelector,
          privateKey: readPemFile(email.dkim.privateKeyPath, 'DKIM_PRIVATE_KEY_PATH').toString(),
        },
      }),
    );
  if (sms && secrets.twilioAuthToken) {
    adapters.push(
      createSmsAdapter({
        ...sms,
        authToken: secrets.twilioAuthToken,
        statusCallbackUrl: `${publicBaseUrl}/webhooks/twilio/status`,
      }),
    );
  }
  if (secrets.vapid) adapters.push(createPushAdapter({ vapid: secrets.vapid }));
  if (webhook) adapters.push(createWebhookAdapter(webhook));
  return adapters;
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
  const adapters = deps.adapters ?? adaptersFromConfig(deps.config, deps.secrets, deps.publicBaseUrl);
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
