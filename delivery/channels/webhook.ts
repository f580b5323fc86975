import { createHmac, timingSafeEqual } from 'node:crypto';
import { abortedFailure, ChannelFailure, providerTimeouts, type ChannelAdapter } from '../channel-adapter.js';
import { retryAfterMs } from '../../domain/token-bucket.js';
import { renderPart } from '../liquid.js';
import type { ChannelModule } from './channel-module.js';

type WebhookRecipient = { channel: 'webhook'; customerId: string };

export const webhook = {
  channel: 'webhook',
  recipient: (contact) => ({ channel: 'webhook', customerId: contact.customerId }),
  render: async (parts, context) => ({
    channel: 'webhook',
    body: await renderPart('body', parts.body, context),
  }),
  fromConfig: ({ config }) =>
    config.channels.webhook ? createWebhookAdapter(config.channels.webhook) : undefined,
} satisfies ChannelModule<'webhook', WebhookRecipient>;

interface WebhookAdapterOptions {
  url: string;
  /** HMAC-SHA256 key shared with the receiver. */
  secret: string;
  timeoutMs?: number;
  now?: () => Date;
}

export const signatureHeader = 'x-omnijourney-signature';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as Stripe-style receivers expect. */
export function signWebhook(secret: string, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/** For receivers: true when the signature matches and is at most `toleranceSeconds` old. */
export function verifyWebhook(
  secret: string,
  body: string,
  header: string,
  now = new Date(),
  toleranceSeconds = 300,
): boolean {
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=') as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(now.getTime() / 1000 - t) > toleranceSeconds)
    return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  const given = Buffer.from(parts.v1);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The worked example of adding a channel: a signed HTTP POST to one configured URL. It needs
 * nothing from the other channels — only its entry in `domain/channels.ts`, this file and one
 * registration line. At-least-once at the crash window: receivers deduplicate on the Idempotency-Key header.
 */
export function createWebhookAdapter(
  options: WebhookAdapterOptions,
): ChannelAdapter<'webhook', WebhookRecipient> {
  const account = new URL(options.url).origin;
  return {
    channel: 'webhook',
    crashWindow: 'at-least-once',
    rateAccount: () => account,
    async send({ message, recipient, idempotencyKey, signal }) {
      const deadline = AbortSignal.timeout(options.timeoutMs ?? providerTimeouts.responseMs);
      const body = JSON.stringify({
        customerId: recipient.customerId,
        idempotencyKey,
        message: message.body,
      });
      let response: Response;
      try {
        response = await fetch(options.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': idempotencyKey,
            [signatureHeader]: signWebhook(options.secret, body, (options.now ?? (() => new Date()))()),
          },
          body,
          signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
        });
      } catch (error) {
        if (signal?.aborted) throw abortedFailure(signal, 'webhook');
        throw new ChannelFailure('transient', `webhook: ${(error as Error).message}`);
      }
      await response.arrayBuffer();
      if (response.ok) return { providerMessageId: response.headers.get('x-request-id') ?? idempotencyKey };
      const text = `webhook answered ${response.status}`;
      if (response.status === 410) throw new ChannelFailure('unreachable', text);
      if (response.status === 429) {
        const wait = retryAfterMs(response.headers.get('retry-after'), Date.now());
        throw new ChannelFailure('transient', text, false, wait);
      }
      if (response.status >= 400 && response.status < 500 && response.status !== 429)
        throw new ChannelFailure('permanent', text);
      throw new ChannelFailure('transient', text);
    },
  };
}
