import { pino } from 'pino';
import type { Database } from '../../db/client.js';
import { createEmailAdapter } from '../../delivery/channels/email.js';
import type { ChannelAdapter } from '../../delivery/channel-adapter.js';
import { createDeliveryPipeline, type DeliveryPipelineOptions } from '../../delivery/delivery-pipeline.js';
import { templates } from '../../journeys/templates.js';

/** The production email adapter, sending to a local SMTP peer. */
export function emailAdapterFor(smtpUrl: string): ChannelAdapter {
  return createEmailAdapter({ smtpUrl, from: 'Shop <shop@example.test>', messageIdDomain: 'example.test' });
}

/** The real delivery pipeline over the email adapter (and any others given), with the catalogue's templates. */
export function emailPipeline(
  db: Database,
  smtpUrl: string,
  options: Partial<DeliveryPipelineOptions> & { otherAdapters?: ChannelAdapter[] } = {},
) {
  const { otherAdapters = [], ...rest } = options;
  return createDeliveryPipeline({
    db,
    adapters: [emailAdapterFor(smtpUrl), ...otherAdapters],
    templates,
    logger: pino({ level: 'silent' }),
    ...rest,
  });
}

export { activityServerClock } from './server-clock.js';
