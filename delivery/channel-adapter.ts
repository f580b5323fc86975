import type { Channel, MessageCategory, PartsOf } from '../domain/channels.js';
import type { ChannelFailureKind } from '../domain/delivery-decision.js';
import type { RecipientOf } from './channels/index.js';

/**
 * How a provider call failed, which decides what happens next:
 * transient → retried with backoff; permanent → not retried, the next channel is tried;
 * unreachable → the address is marked (bounce, 404/410 subscription) and the next channel tried;
 * unsubscribed → consent is withdrawn (e.g. Twilio 21610) and the next channel tried.
 */
type FailureKind = Exclude<ChannelFailureKind, 'render'>;

export class ChannelFailure extends Error {
  override readonly name = 'ChannelFailure';
  constructor(
    readonly kind: FailureKind,
    message: string,
    /**
     * The request left and no answer came (a timeout, a connection reset): the provider may have
     * the message. At-most-once channels then record the outcome as unknown instead of resending.
     */
    readonly mayHaveArrived = false,
    /**
     * The provider asked to slow down (HTTP 429 with Retry-After, SMTP 421): this long, in ms. The
     * message was not accepted; the rate governor pauses the provider account for every worker.
     */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /** What a provider call threw: a ChannelFailure as it is, anything else as transient. */
  static from(error: unknown): ChannelFailure {
    return error instanceof ChannelFailure
      ? error
      : new ChannelFailure('transient', (error as Error).message);
  }
}

/** What an adapter sends: the template's parts for its channel, rendered. A union for `Channel`. */
export type MessageOf<C extends Channel> = C extends Channel ? { channel: C } & PartsOf<C> : never;

interface SendInput<C extends Channel, R> {
  message: MessageOf<C>;
  recipient: R;
  /** Stable per (run, step): providers that support it deduplicate on it. */
  idempotencyKey: string;
  category: MessageCategory;
  /** One-click unsubscribe link for this customer and channel (marketing). */
  unsubscribeUrl?: string;
  /**
   * Aborted when the activity is cancelled or the provider call's deadline passes: the adapter
   * drops its connection, so a late answer from the provider cannot become a second message.
   */
  signal?: AbortSignal;
}

/** Connect and response bounds every adapter keeps, well inside the deliver activity's 2 minutes. */
export const providerTimeouts = { connectMs: 10_000, responseMs: 30_000 } as const;

/** The error an adapter throws when its call was aborted. */
export function abortedFailure(signal: AbortSignal, channel: Channel): ChannelFailure {
  const reason = signal.reason as { message?: string } | undefined;
  return new ChannelFailure('transient', `${channel}: aborted (${reason?.message ?? 'cancelled'})`);
}

/** A provider behind one channel. `ChannelAdapter` alone takes any channel's message and recipient. */
export interface ChannelAdapter<C extends Channel = Channel, R = RecipientOf<C>> {
  readonly channel: C;
  /**
   * What happens if the process dies after the provider accepted the message but before the
   * ledger recorded it: `at-least-once` resends (with the same idempotency key / Message-ID /
   * topic), `at-most-once` records the outcome as unknown and does not resend.
   */
  readonly crashWindow: 'at-least-once' | 'at-most-once';
  send(input: SendInput<C, R>): Promise<{ providerMessageId: string }>;
  /**
   * The provider account a message to `recipient` is counted against by the rate governor (SMTP
   * user and host, Twilio account SID, push service origin, webhook origin); absent: `default`.
   */
  rateAccount?(recipient: R): string;
}
