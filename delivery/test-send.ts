import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/queryable.js';
import type { Channel } from '../domain/channels.js';
import { normaliseEmail, normalisePhone } from '../domain/identity-keys.js';
import type { ChannelAdapter, MessageOf } from './channel-adapter.js';
import type { AdapterSettings } from './channels/channel-module.js';
import { channelModules, type RecipientOf } from './channels/index.js';
import { loadCustomerContact, type CustomerContact } from './customer-contact.js';
import {
  PreviewRefusal,
  previewRequest,
  renderFor,
  requireTemplate,
  triggerOf,
  type EventInput,
  type PreviewSettings,
} from './preview-message.js';

/** The channels a test goes out on: those with an address one can type. */
export const testChannels = ['email', 'sms'] as const satisfies readonly Channel[];
type TestChannel = (typeof testChannels)[number];

/** What marks a test message where the recipient sees it first. */
export const testMark = '[TEST]';

export interface TestSendSettings extends PreviewSettings {
  /** Where the configured adapters come from (`channels/<channel>.ts` `fromConfig`). */
  adapterSettings: AdapterSettings;
  /** Instead of the configured ones (tests, the demo's peers). */
  adapters?: readonly ChannelAdapter[];
  defaultPhoneCountry?: string;
}

export interface TestSendInput {
  templateId: string;
  to: string;
  channel?: Channel;
  /** Render with this customer's profile, cart and unsubscribe link; unset: an empty sample profile. */
  customerId?: string;
  locale?: string;
  event?: EventInput;
}

export interface TestSendResult {
  channel: TestChannel;
  to: string;
  providerMessageId: string;
  message: MessageOf<TestChannel>;
}

/** The settings a worker of this configuration renders and sends with (`from-config.ts` alike). */
export function testSendSettings(settings: AdapterSettings): TestSendSettings {
  const { config, secrets, publicBaseUrl } = settings;
  return {
    unsubscribe: secrets.unsubscribeSecret
      ? { secret: secrets.unsubscribeSecret, baseUrl: publicBaseUrl }
      : undefined,
    shop: { url: config.shop.url ?? publicBaseUrl, name: 'Shop' },
    adapterSettings: settings,
    defaultPhoneCountry: config.api.defaultPhoneCountry,
  };
}

/** A profile with nothing in it: what a test renders with when no customer is named. */
const sampleContact = (): CustomerContact => ({
  customerId: 'test',
  profile: { traits: {}, orderCount: 0, lifetimeValue: 0, lastOrder: null },
  cart: null,
  timeZone: undefined,
  consent: {},
  emails: [],
  phones: [],
  pushSubscriptions: [],
});

function recipientFor(channel: TestChannel, to: string, defaultCountry?: string): RecipientOf<TestChannel> {
  const value = channel === 'email' ? normaliseEmail(to) : normalisePhone(to, defaultCountry);
  if (!value)
    throw new PreviewRefusal(
      'invalid',
      `to: ${to} is not a valid ${channel === 'email' ? 'email address' : 'phone number'}`,
    );
  return channel === 'email' ? { channel, email: value } : { channel, phone: value };
}

/** The subject (email) or text (SMS) starts with [TEST]. */
function marked(message: MessageOf<TestChannel>): MessageOf<TestChannel> {
  return message.channel === 'email'
    ? { ...message, subject: `${testMark} ${message.subject}` }
    : { ...message, text: `${testMark} ${message.text}` };
}

/**
 * Sends the template to a typed address through the configured adapter, rendered as the delivery
 * pipeline renders it and marked as a test. It writes no ledger row: caps, stats, the customer's
 * timeline and the dedup keys never see it (the log line is its only record).
 */
export async function testSend(
  db: Queryable,
  settings: TestSendSettings,
  input: TestSendInput,
): Promise<TestSendResult> {
  const contact = input.customerId ? await loadCustomerContact(db, input.customerId) : sampleContact();
  if (!contact) throw new PreviewRefusal('not-found', `no customer ${input.customerId}`);
  const template = await requireTemplate(db, settings, input.templateId, input.locale, input.channel);
  const channel = input.channel ?? testChannels.find((c) => template[c]);
  if (!channel || !(testChannels as readonly Channel[]).includes(channel))
    throw new PreviewRefusal(
      'invalid',
      `test-send sends email or SMS; template ${input.templateId} ${channel ? `on ${channel}` : 'has neither'} (preview shows the other channels)`,
    );
  const testChannel = channel as TestChannel;
  const recipient = recipientFor(testChannel, input.to, settings.defaultPhoneCountry);
  const adapter =
    (settings.adapters ?? []).findLast((a) => a.channel === testChannel) ??
    channelModules[testChannel].fromConfig(settings.adapterSettings);
  if (!adapter)
    throw new PreviewRefusal(
      'unavailable',
      `no ${testChannel} adapter is configured (${testChannel === 'email' ? 'SMTP_URL' : 'TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM'})`,
    );
  const request = previewRequest(input.templateId, contact.customerId, [testChannel], triggerOf(input.event));
  const messageSettings = {
    ...settings,
    // No customer, no unsubscribe link: a link for the sample profile would unsubscribe nobody.
    unsubscribe: input.customerId ? settings.unsubscribe : undefined,
    templates: { [input.templateId]: template },
  };
  const { message, unsubscribeUrl } = await renderFor(messageSettings, request, contact, testChannel);
  const test = marked(message);
  const sent = await (adapter as ChannelAdapter).send({
    message: test,
    recipient,
    idempotencyKey: `test:${randomUUID()}`,
    category: 'marketing',
    unsubscribeUrl,
    signal: AbortSignal.timeout(60_000),
  });
  return { channel: testChannel, to: input.to, providerMessageId: sent.providerMessageId, message: test };
}
