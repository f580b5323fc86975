import type { Config, Secrets } from '../../config/config.js';
import type { Channel, PartsOf } from '../../domain/channels.js';
import type { ChannelAdapter, MessageOf } from '../channel-adapter.js';
import type { CustomerContact } from '../customer-contact.js';
import type { RenderContext } from '../liquid.js';

/** What adapters are built from. */
export interface AdapterSettings {
  config: Config;
  secrets: Partial<Secrets>;
  /** The API's public address: links and provider callbacks point at it. */
  publicBaseUrl: string;
}

/** An address a provider called dead (bounce, 404/410): marked so that no send uses it again. */
export type DeadAddress = { identity: 'email' | 'phone'; value: string } | { pushEndpoint: string };

/**
 * Everything channel-specific, in one object per channel (`delivery/channels/<channel>.ts`). `R` is
 * the channel's recipient; the pipeline reads it back as `RecipientOf<C>` from the registry.
 */
export interface ChannelModule<C extends Channel, R> {
  readonly channel: C;
  /** Where the channel reaches the customer, or why it cannot (consent is checked before). */
  recipient(contact: CustomerContact): R | string;
  /** The template's parts for the channel, rendered and made safe for it. */
  render(parts: PartsOf<C>, context: RenderContext): Promise<MessageOf<C>>;
  /** Its adapter, or undefined when the configuration does not set the channel up. */
  fromConfig(settings: AdapterSettings): ChannelAdapter<C, R> | undefined;
  /** What an `unreachable` failure marks; absent: nothing. */
  deadAddress?(recipient: R): DeadAddress;
}
