import type { Channel, MessageCategory } from '../domain/channels.js';
import type { RenderedMessage } from './render-message.js';

/**
 * How a provider call failed, which decides what happens next:
 * transient → retried with backoff; permanent → not retried, the next channel is tried;
 * unreachable → the address is marked (bounce, 404/410 subscription) and the next channel tried;
 * unsubscribed → consent is withdrawn (e.g. Twilio 21610) and the next channel tried.
 */
export type FailureKind = 'transient' | 'permanent' | 'unreachable' | 'unsubscribed';

export class ChannelFailure extends Error {
  override readonly name = 'ChannelFailure';
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
  }
}

/** Where a channel can reach the customer. */
export type Recipient =
  | { channel: 'email'; email: string }
  | { channel: 'sms'; phone: string }
  | { channel: 'push'; subscription: { endpoint: string; keys: { p256dh: string; auth: string } } }
  | { channel: 'webhook'; customerId: string };

export interface SendInput {
  message: RenderedMessage;
  recipient: Recipient;
  /** Stable per (run, step): providers that support it deduplicate on it. */
  idempotencyKey: string;
  category: MessageCategory;
  /** One-click unsubscribe link for this customer and channel (marketing). */
  unsubscribeUrl?: string;
}

export interface ChannelAdapter {
  readonly channel: Channel;
  /**
   * What happens if the process dies after the provider accepted the message but before the
   * ledger recorded it: `at-least-once` resends (with the same idempotency key / Message-ID /
   * topic), `at-most-once` records the outcome as unknown and does not resend.
   */
  readonly crashWindow: 'at-least-once' | 'at-most-once';
  send(input: SendInput): Promise<{ providerMessageId: string }>;
}
