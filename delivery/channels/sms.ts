import twilio from 'twilio';
import { abortedFailure, ChannelFailure, providerTimeouts, type ChannelAdapter } from '../channel-adapter.js';
import { plain, renderPart, textOnly } from '../liquid.js';
import { hasExtension } from '../../domain/identity-keys.js';
import { defaultBackOffMs } from '../../domain/token-bucket.js';
import type { ChannelModule } from './channel-module.js';

type SmsRecipient = { channel: 'sms'; phone: string };

/** GSM-7 single messages hold 160 characters; longer texts are sent as several billed parts. */
const smsMaxLength = 480;

export const sms = {
  channel: 'sms',
  recipient: (contact) => {
    const phone = contact.phones.find((number) => !hasExtension(number));
    return phone ? { channel: 'sms', phone } : 'no reachable phone number';
  },
  async render(parts, context) {
    const body = textOnly(plain(await renderPart('text', parts.text, context)));
    return {
      channel: 'sms',
      text: body.length > smsMaxLength ? `${body.slice(0, smsMaxLength - 1)}…` : body,
    };
  },
  fromConfig({ config, secrets, publicBaseUrl }) {
    const settings = config.channels.sms;
    if (!settings || !secrets.twilioAuthToken) return undefined;
    return createSmsAdapter({
      ...settings,
      authToken: secrets.twilioAuthToken,
      statusCallbackUrl: `${publicBaseUrl}/webhooks/twilio/status`,
    });
  },
  deadAddress: (recipient) => ({ identity: 'phone', value: recipient.phone }),
} satisfies ChannelModule<'sms', SmsRecipient>;

interface SmsAdapterOptions {
  accountSid: string;
  authToken: string;
  /** A sender number, or … */
  from?: string;
  /** … a Messaging Service (sender pools, Advanced Opt-Out). */
  messagingServiceSid?: string;
  /** Where Twilio posts delivery statuses: PUBLIC_BASE_URL + /webhooks/twilio/status. */
  statusCallbackUrl?: string;
  /** Tests point this at a local peer that speaks Twilio's Messages API. */
  apiBaseUrl?: string;
  /** Bound on each request (connect and answer); default `providerTimeouts.responseMs`. */
  timeoutMs?: number;
}

/** Twilio error codes: opted out; numbers that can never receive SMS. */
const optedOut = 21610;
const unreachable = new Set([21211, 21612, 21614, 21408]);

/** Errors raised before the request could reach Twilio: retrying them cannot make a second SMS. */
const neverSent = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function classify(error: unknown): ChannelFailure {
  const e = error as { code?: number | string; status?: number; message?: string };
  const text = `Twilio ${e.code ?? e.status ?? ''}: ${e.message ?? String(error)}`;
  // No HTTP answer: unless the connection was never made, Twilio may have taken the message.
  if (e.status === undefined && typeof e.code !== 'number')
    return new ChannelFailure('transient', text, !neverSent.has(String(e.code)));
  // Too Many Requests (Twilio 20429): not accepted; Twilio names no Retry-After on its errors.
  if (e.status === 429) return new ChannelFailure('transient', text, false, defaultBackOffMs);
  if (e.code === optedOut) return new ChannelFailure('unsubscribed', text);
  if (typeof e.code === 'number' && unreachable.has(e.code)) return new ChannelFailure('unreachable', text);
  if (e.status !== undefined && e.status >= 400 && e.status < 500 && e.status !== 429)
    return new ChannelFailure('permanent', text);
  return new ChannelFailure('transient', text);
}

/**
 * SMS through Twilio's Messages API. At-most-once at the crash window: Twilio has no idempotency
 * key, so a message whose acceptance was not recorded is reported as unknown, never resent.
 */
export function createSmsAdapter(options: SmsAdapterOptions): ChannelAdapter<'sms', SmsRecipient> {
  if (!options.from && !options.messagingServiceSid)
    throw new Error('SMS needs TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID');
  const client = twilio(options.accountSid, options.authToken, {
    autoRetry: false,
    timeout: options.timeoutMs ?? providerTimeouts.responseMs,
  });
  if (options.apiBaseUrl) client.api.baseUrl = options.apiBaseUrl;
  return {
    channel: 'sms',
    crashWindow: 'at-most-once',
    rateAccount: () => options.accountSid,
    async send({ message, recipient, signal }) {
      // twilio takes no AbortSignal: on abort the call is abandoned. At-most-once, the row is then
      // `sending` and never resent, so a late acceptance by Twilio is the only copy.
      let abort = () => {};
      const aborted = new Promise<never>((_, reject) => {
        abort = () => reject(abortedFailure(signal as AbortSignal, 'sms'));
      });
      if (signal?.aborted) throw abortedFailure(signal, 'sms');
      signal?.addEventListener('abort', abort, { once: true });
      try {
        const call = client.messages.create({
          to: recipient.phone,
          body: message.text,
          ...(options.messagingServiceSid
            ? { messagingServiceSid: options.messagingServiceSid }
            : { from: options.from }),
          ...(options.statusCallbackUrl ? { statusCallback: options.statusCallbackUrl } : {}),
        });
        const created = await Promise.race([call, aborted]);
        return { providerMessageId: created.sid };
      } catch (error) {
        if (error instanceof ChannelFailure) throw error;
        throw classify(error);
      } finally {
        signal?.removeEventListener('abort', abort);
        aborted.catch(() => {});
      }
    },
  };
}
