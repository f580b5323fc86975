import type { Database } from '../db/client.js';
import type { Channel } from '../domain/channels.js';
import type { SendOutcome } from '../domain/journey-runtime.js';
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
import { messageFor, missingUnsubscribeLink, type MessageSettings } from './render-message.js';
import { reservationRules, reserve, type ReservationRules, type ReservationSettings } from './reservation.js';

export interface DeliveryPipelineOptions extends MessageSettings, ReservationSettings {
  db: Database;
  adapters: readonly ChannelAdapter[];
  logger: Logger;
  /**
   * Set when this worker cannot give a marketing message a working unsubscribe link (no
   * UNSUBSCRIBE_SECRET or PUBLIC_BASE_URL): every marketing send is skipped with this reason.
   */
  marketingRefusal?: string;
}

/**
 * The one pipeline behind every send step: decide and reserve under the customer's lock
 * (`reservation.ts`, the rules in `domain/delivery-decision.ts`) → render → provider call → ledger
 * status → on failure, the next channel. The ledger's unique dedup key (run + step) makes a
 * step's message go out at most once across retries, replays and duplicates.
 */
interface DeliveryPipeline extends Deliverer {
  /**
   * Only the decision and the ledger reservation, under the customer's lock: no provider call.
   * The bench measures it in isolation; a reserved row is what a crash before sending leaves.
   */
  reserve(request: DeliveryRequest): Promise<SendOutcome | { status: 'reserved'; channel: Channel }>;
}

/** What every step of one pipeline shares. */
interface Pipeline {
  options: DeliveryPipelineOptions;
  rules: ReservationRules;
  ledger: ReturnType<typeof ledgerTransitions>;
}

/** One send step on the channels still to try; `depth` counts the fallbacks taken. */
interface Step {
  request: DeliveryRequest;
  channels: Channel[];
  depth: number;
}

export function createDeliveryPipeline(options: DeliveryPipelineOptions): DeliveryPipeline {
  const rules = reservationRules(
    options,
    options.adapters.map((a) => a.channel),
  );
  const pipeline: Pipeline = { options, rules, ledger: ledgerTransitions(options.db) };
  return {
    async reserve(request) {
      const reservation = await reserve(options.db, rules, request, request.channels);
      if (reservation.kind === 'decided') return reservation.outcome;
      if (reservation.kind === 'reserved') return { status: 'reserved', channel: reservation.channel };
      return { status: 'skipped', reason: 'already decided' };
    },
    async deliver(request) {
      const outcome = await deliverOn(pipeline, { request, channels: request.channels, depth: 0 });
      countDelivery(outcome, request.trigger.occurredAt, rules.now);
      return outcome;
    },
  };
}

/** Reserve a channel for the step, or pick up the row an earlier attempt of it left. */
async function deliverOn(pipeline: Pipeline, step: Step): Promise<SendOutcome> {
  const { db } = pipeline.options;
  const reservation = await reserve(db, pipeline.rules, step.request, step.channels);
  if (reservation.kind === 'decided') return reservation.outcome;
  const { row } = reservation;
  if (reservation.kind === 'reserved')
    return attempt(pipeline, step, reservation.channel, row, reservation.contact);
  if (row.status !== 'reserved' && row.status !== 'sending') return outcomeOf(row);
  // A retry after a crash or a transient failure: re-derive the recipient for the reserved channel.
  const contact = await loadCustomerContact(db, step.request.customerId);
  if (!row.channel) throw new Error('reserved row without adapter or recipient');
  return attempt(pipeline, step, row.channel, row, contact);
}

/** Render, send and record on one channel; generic, so adapter, recipient and message agree on it. */
async function attempt<C extends Channel>(
  pipeline: Pipeline,
  step: Step,
  channel: C,
  row: LedgerRow,
  contact: CustomerContact | undefined,
): Promise<SendOutcome> {
  const { options, ledger } = pipeline;
  const { request, channels } = step;
  const adapter = options.adapters.findLast((a): a is ChannelAdapter<C> => a.channel === channel);
  if (row.status === 'sending' && adapter?.crashWindow === 'at-most-once') {
    const reason = `outcome unknown: the process stopped while ${channel} was being sent; not resent (at-most-once)`;
    await ledger.outcomeUnknown(row, reason);
    options.logger.warn({ dedupKey: request.dedupKey, channel }, reason);
    return { status: 'skipped', channel, reason };
  }
  const recipient = contact ? recipientOn(contact, channel) : 'customer not found';
  if (typeof recipient === 'string') {
    await ledger.skipped(row, `${channel}: ${recipient}`);
    return { status: 'skipped', channel, reason: `${channel}: ${recipient}` };
  }
  if (!adapter || !contact) throw new Error('reserved row without adapter or recipient');

  if (request.category === 'marketing' && options.marketingRefusal) {
    await ledger.skipped(row, options.marketingRefusal);
    return { status: 'skipped', channel, reason: options.marketingRefusal };
  }
  const { message, unsubscribeUrl } = await messageFor(options, request, contact, channel);
  const noLink = missingUnsubscribeLink(request, message, unsubscribeUrl);
  if (noLink) {
    await ledger.skipped(row, noLink);
    options.logger.warn({ dedupKey: request.dedupKey }, noLink);
    return { status: 'skipped', channel, reason: noLink };
  }

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
    await learnFromFailure(options.db, contact.customerId, channel, recipient, failure);
    await ledger.failed(row, channel, `${failure.kind}: ${failure.message}`);
    if (remaining.length === 0 || step.depth >= channels.length)
      return {
        status: 'skipped',
        channel,
        reason: `${channel} failed (${failure.kind}): ${failure.message}`,
      };
    return deliverOn(pipeline, { request, channels: remaining, depth: step.depth + 1 });
  }
  await ledger.sent(row, sent.providerMessageId);
  return { status: 'sent', channel, providerMessageId: sent.providerMessageId };
}
