import { createHash } from 'node:crypto';
import { Agent } from 'node:https';
import type { Socket } from 'node:net';
import webpush from 'web-push';
import { retryAfterMs } from '../../domain/token-bucket.js';
import { abortedFailure, ChannelFailure, providerTimeouts, type ChannelAdapter } from '../channel-adapter.js';
import type { CustomerContact } from '../customer-contact.js';
import { oneLine, renderPart, safeUrl, textOnly } from '../liquid.js';
import type { ChannelModule } from './channel-module.js';

type PushRecipient = { channel: 'push'; subscription: CustomerContact['pushSubscriptions'][number] };

export const push = {
  channel: 'push',
  recipient: (contact) =>
    contact.pushSubscriptions[0]
      ? { channel: 'push', subscription: contact.pushSubscriptions[0] }
      : 'no push subscription',
  render: async (parts, context) => {
    // Optional: the image the notification shows; not an http(s) URL, left out (the browser shows the site's).
    const icon = parts.icon && safeUrl(oneLine(await renderPart('icon', parts.icon, context)), '');
    return {
      channel: 'push',
      title: textOnly(oneLine(await renderPart('title', parts.title, context))),
      body: textOnly(oneLine(await renderPart('body', parts.body, context))),
      url: safeUrl(oneLine(await renderPart('url', parts.url, context)), context.shop.url),
      ...(icon ? { icon } : {}),
    };
  },
  fromConfig: ({ secrets }) => (secrets.vapid ? createPushAdapter({ vapid: secrets.vapid }) : undefined),
  deadAddress: (recipient) => ({ pushEndpoint: recipient.subscription.endpoint }),
} satisfies ChannelModule<'push', PushRecipient>;

/** An HTTPS agent that keeps its sockets, connecting ones included, so that it can destroy them. */
class OwnedAgent extends Agent {
  private readonly owned = new Set<Socket>();
  override createConnection(...args: Parameters<Agent['createConnection']>) {
    const socket = super.createConnection(...args) as Socket | undefined;
    if (socket) this.owned.add(socket);
    return socket as ReturnType<Agent['createConnection']>;
  }
  destroyAll() {
    for (const socket of this.owned) socket.destroy();
    this.destroy();
  }
}

interface PushAdapterOptions {
  vapid: { subject: string; publicKey: string; privateKey: string };
  /** Seconds the push service keeps an undelivered message (default one day). */
  ttlSeconds?: number;
  urgency?: 'very-low' | 'low' | 'normal' | 'high';
  /** Tests trust a local push service's certificate through this agent's options. */
  agent?: Agent;
  /** Bound on the whole request (connect and answer); default `providerTimeouts.responseMs`. */
  timeoutMs?: number;
}

function classify(error: unknown): ChannelFailure {
  const e = error as {
    statusCode?: number;
    body?: string;
    message?: string;
    headers?: Record<string, string>;
  };
  const text = `push ${e.statusCode ?? ''}: ${e.body || e.message || String(error)}`.trim();
  if (e.statusCode === 429)
    return new ChannelFailure('transient', text, false, retryAfterMs(e.headers?.['retry-after'], Date.now()));
  if (e.statusCode === 404 || e.statusCode === 410) return new ChannelFailure('unreachable', text);
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500 && e.statusCode !== 429)
    return new ChannelFailure('permanent', text);
  return new ChannelFailure('transient', text);
}

/**
 * Web Push with VAPID (web-push): the payload is encrypted (aes128gcm) for the subscription's
 * keys. At-least-once at the crash window: every send of a step carries the same Topic, so the
 * push service replaces an undelivered duplicate instead of showing two.
 */
export function createPushAdapter(options: PushAdapterOptions): ChannelAdapter<'push', PushRecipient> {
  return {
    channel: 'push',
    crashWindow: 'at-least-once',
    // Each push service (FCM, Mozilla, Apple) has its own limits: the account is the endpoint's origin.
    rateAccount: (recipient) => new URL(recipient.subscription.endpoint).origin,
    async send({ message, recipient, idempotencyKey, signal: cancelled }) {
      // web-push's own `timeout` is a socket idle timeout; this bounds the whole call.
      const deadline = AbortSignal.timeout(options.timeoutMs ?? providerTimeouts.responseMs);
      const signal = cancelled ? AbortSignal.any([cancelled, deadline]) : deadline;
      const topic = createHash('sha256').update(idempotencyKey).digest('base64url').slice(0, 32);
      // An agent of its own per message: on abort its socket is destroyed, whatever web-push awaits.
      const agent = new OwnedAgent({ ...options.agent?.options, keepAlive: false });
      let abort = () => {};
      const aborted = new Promise<never>((_, reject) => {
        abort = () => {
          agent.destroyAll();
          reject(abortedFailure(signal, 'push'));
        };
      });
      if (signal.aborted) throw abortedFailure(signal, 'push');
      signal.addEventListener('abort', abort, { once: true });
      try {
        const request = webpush.sendNotification(
          recipient.subscription,
          JSON.stringify({ title: message.title, body: message.body, url: message.url, icon: message.icon }),
          {
            vapidDetails: options.vapid,
            TTL: options.ttlSeconds ?? 86_400,
            urgency: options.urgency ?? 'normal',
            topic,
            timeout: options.timeoutMs ?? providerTimeouts.responseMs,
            agent,
          },
        );
        const response = await Promise.race([request, aborted]);
        return { providerMessageId: response.headers.location ?? topic };
      } catch (error) {
        if (error instanceof ChannelFailure) throw error;
        throw classify(error);
      } finally {
        signal.removeEventListener('abort', abort);
        aborted.catch(() => {});
        agent.destroyAll();
      }
    },
  };
}
