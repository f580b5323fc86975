import type { Channel } from '../../domain/channels.js';
import type { ChannelModule } from './channel-module.js';
import { email } from './email.js';
import { push } from './push.js';
import { sms } from './sms.js';
import { webhook } from './webhook.js';

/** The registration, one entry per channel; adapters from the configuration are built in this order. */
const registered = { email, sms, push, webhook } satisfies { [C in Channel]: ChannelModule<C, unknown> };

/** Where channel C reaches a customer, as its module finds it. */
export type RecipientOf<C extends Channel> = Exclude<ReturnType<(typeof registered)[C]['recipient']>, string>;

/** The registry, typed so that indexing it with a generic channel keeps message, recipient and adapter in step. */
export const channelModules: { [C in Channel]: ChannelModule<C, RecipientOf<C>> } = registered;
