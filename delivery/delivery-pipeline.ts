import type { Database } from '../db/client.js';
import type { Channel } from '../domain/channels.js';
import { defaultCaps, type CapRule } from '../domain/frequency-caps.js';
import type { SendOutcome } from '../domain/journey-runtime.js';
import { defaultQuietHours, type QuietHours } from '../domain/quiet-hours.js';
import type { Logger } from '../infra/logger.js';
import { countDelivery } from '../infra/metrics.js';
import { ChannelFailure, type ChannelAdapter } from './channel-adapter.js';
import {
  learnFromFailure,
  loadCustomerContact,
  recipientOn,
  type CustomerContact,
} from './customer-contact.js';
import type { Deliverer, DeliveryRequest } from './delivery-request.js';
import { ledgerTransitions, outcomeOf, type LedgerRow } from './ledger.js';
import { messageFor, type MessageSettings } from './render-message.js';
import { reserve } from './reservation.js';

export interface DeliveryPipelineOptions extends MessageSettings {
  db: Database;
  adapters: readonly ChannelAdapter[];
  caps?: readonly CapRule[];
  quietHours?: QuietHours;
  /** Zone for customers whose profile and phone say nothing. */
  defaultTimeZone?: string;
  /** Default window in which one intent is not repeated. */
  defaultIntentWindowMs?: number;
  logger: Logger;
  now?: () => Date;
}

/**
 * The one pipeline behind every send step: decide and reserve under the customer's lock
 * (`reservation.ts`, the rules in `domain/delivery-decision.ts`) → render → provider call → ledger
 * status → on failure, the next channel. The ledger's unique dedup key (run + step) makes a
 * step's message go out at most once across retries, replays and duplicates.
 */
export interface DeliveryPipeline extends Deliverer {
  /**
   * Only the decision and the ledger reservation, under the customer's lock: no provider call.
   * The bench measures it in isolation; a reserved row is what a crash before sending leaves.
   */
  reserve(request: DeliveryRequest): Promise<SendOutcome | { status: 'reserved'; channel: Channel }>;
}

export function createDeliveryPipeline(options: DeliveryPipelineOptions): DeliveryPipeline {
  const { db, logger } = options;
  /** The adapter given for a channel (the last, if several). */
  const adapterOn = <C extends Channel>(channel: C) =>
    options.adapters.findLast((adapter): adapter is ChannelAdapter<C> => adapter.channel === channel);
  const now = options.now ?? (() => new Date());
  const rules = {
    caps: options.caps ?? defaultCaps,
    quietHours: options.quietHours ?? defaultQuietHours,
    defaultTimeZone: options.defaultTimeZone,
    defaultIntentWindowMs: options.defaultIntentWindowMs,
    configured: new Set(options.adapters.map((a) => a.channel)),
    now,
  };
  const ledger = ledgerTransitions(db);

  const deliverOn = async (request: DeliveryRequest, channels: Channel[], depth: number) => {
    const reservation = await reserve(db, rules, request, channels);
    if (reservation.kind === 'decided') return reservation.outcome;
    const { row } = reservation;
    if (reservation.kind === 'reserved')
      return attempt(reservation.channel, row, reservation.contact, request, channels, depth);
    if (row.status !== 'reserved' && row.status !== 'sending') return outcomeOf(row);
    // A retry after a crash or a transient failure: re-derive the recipient for the reserved channel.
    const contact = await loadCustomerContact(db, request.customerId);
    if (!row.channel) throw new Error('reserved row without adapter or recipient');
    return attempt(row.channel, row, contact, request, channels, depth);
  };

  /** One channel: generic, so its adapter, recipient and rendered message are the same channel's. */
  async function attempt<C extends Channel>(
    channel: C,
    row: LedgerRow,
    contact: CustomerContact | undefined,
    request: DeliveryRequest,
    channels: Channel[],
    depth: number,
  ): Promise<SendOutcome> {
    const adapter = adapterOn(channel);
    if (row.status === 'sending' && adapter?.crashWindow === 'at-most-once') {
      const reason = `outcome unknown: the process stopped while ${channel} was being sent; not resent (at-most-once)`;
      await ledger.outcomeUnknown(row, reason);
      logger.warn({ dedupKey: request.dedupKey, channel }, reason);
      return { status: 'skipped', channel, reason };
    }
    const recipient = contact ? recipientOn(contact, channel) : 'customer not found';
    if (typeof recipient === 'string') {
      await ledger.skipped(row, `${channel}: ${recipient}`);
      return { status: 'skipped', channel, reason: `${channel}: ${recipient}` };
    }
    if (!adapter || !contact) throw new Error('reserved row without adapter or recipient');

    const { message, unsubscribeUrl } = await messageFor(options, request, contact, channel);

    // "sending" tells a retry that the provider may have the message: only at-most-once channels
    // act on it, so at-least-once channels save the round trip (a retry resends with the same key).
    if (adapter.crashWindow === 'at-most-once') await ledger.sending(row);
    let sent: { providerMessageId: string };
    try {
      const { dedupKey: idempotencyKey, category } = request;
      sent = await adapter.send({ message, recipient, idempotencyKey, category, unsubscribeUrl });
    } catch (error) {
      const failure = ChannelFailure.from(error);
      const remaining = channels.slice(channels.indexOf(channel) + 1);
      const reroute = request.onOutage === 'nextChannel' && remaining.length > 0;
      if (failure.kind === 'transient' && !reroute) {
        // Not accepted: the slot stays ours, and the activity retries with backoff.
        await ledger.released(row, `retrying: ${failure.message}`);
        throw failure;
      }
      await learnFromFailure(db, contact.customerId, channel, recipient, failure);
      await ledger.failed(row, channel, `${failure.kind}: ${failure.message}`);
      if (remaining.length === 0 || depth >= channels.length)
        return {
          status: 'skipped',
          channel,
          reason: `${channel} failed (${failure.kind}): ${failure.message}`,
        };
      return deliverOn(request, remaining, depth + 1);
    }
    await ledger.sent(row, sent.providerMessageId);
    return { status: 'sent', channel, providerMessageId: sent.providerMessageId };
  }

  return {
    async reserve(request) {
      const reservation = await reserve(db, rules, request, request.channels);
      if (reservation.kind === 'decided') return reservation.outcome;
      if (reservation.kind === 'reserved') return { status: 'reserved', channel: reservation.channel };
      return { status: 'skipped', reason: 'already decided' };
    },
    async deliver(request) {
      const outcome = await deliverOn(request, request.channels, 0);
      countDelivery(outcome, request.trigger.occurredAt, now);
      return outcome;
    },
  };
}
