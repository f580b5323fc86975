import type { Database } from '../db/client.js';
import type { Channel } from '../domain/channels.js';
import type { SendOutcome } from '../domain/journey-runtime.js';
import type { RatePriority } from '../domain/token-bucket.js';
import type { Logger } from '../infra/logger.js';
import { countDelivery } from '../infra/metrics.js';
import { ChannelFailure, type ChannelAdapter } from './channel-adapter.js';
import {
  abandoned,
  afterFailure,
  defaultProviderTimeoutMs,
  settleUnexpected,
  type Pipeline,
  type Step,
  type Target,
} from './channel-failures.js';
import { loadCustomerContact, recipientOn, type CustomerContact } from './customer-contact.js';
import { createBatchDelivery, type BatchDelivery } from './batch-delivery.js';
import type { Deliverer, DeliveryRequest } from './delivery-request.js';
import { ledgerTransitions, outcomeOf, type LedgerRow } from './ledger.js';
import { governedFailure, type RateGovernor } from './rate-governor.js';
import { messageFor, missingUnsubscribeLink, type MessageSettings } from './render-message.js';
import { reservationRules, reserve, type ReservationSettings } from './reservation.js';

export interface DeliveryPipelineOptions extends MessageSettings, ReservationSettings {
  db: Database;
  adapters: readonly ChannelAdapter[];
  logger: Logger;
  /**
   * Set when this worker cannot give a marketing message a working unsubscribe link (no
   * UNSUBSCRIBE_SECRET or PUBLIC_BASE_URL): every marketing send is skipped with this reason.
   */
  marketingRefusal?: string;
  /** The provider call's deadline, inside the deliver activity's 2 minutes (default 60 s). */
  providerTimeoutMs?: number;
  /** Paces provider calls per channel and account across workers; absent: no pacing. */
  rateGovernor?: RateGovernor;
  /** Whose turn these sends take at the governor: journeys' sends are `triggered` (the default). */
  ratePriority?: RatePriority;
}

/**
 * The one pipeline behind every send step: decide and reserve under the customer's lock
 * (`reservation.ts`, the rules in `domain/delivery-decision.ts`) → render → provider call → ledger
 * status → on failure, the next channel. The ledger's unique dedup key (run + step) makes a
 * step's message go out at most once across retries, replays and duplicates.
 */
export interface DeliveryPipeline extends Deliverer {
  deliverBatch: BatchDelivery['deliverBatch'];
  /**
   * Only the decision and the ledger reservation, under the customer's lock: no provider call.
   * The bench measures it in isolation; a reserved row is what a crash before sending leaves.
   */
  reserve(request: DeliveryRequest): Promise<SendOutcome | { status: 'reserved'; channel: Channel }>;
}

export function createDeliveryPipeline(options: DeliveryPipelineOptions): DeliveryPipeline {
  const rules = reservationRules(
    options,
    options.adapters.map((a) => a.channel),
  );
  const pipeline: Pipeline = {
    options,
    rules,
    ledger: ledgerTransitions(options.db),
    fallBack: (step) => deliverOn(pipeline, step),
  };
  const batches = createBatchDelivery(options);
  return {
    deliverBatch: (broadcastId, customerIds, context) =>
      batches.deliverBatch(broadcastId, customerIds, context),
    async reserve(request) {
      const reservation = await reserve(options.db, rules, request, request.channels);
      if (reservation.kind === 'decided') return reservation.outcome;
      if (reservation.kind === 'reserved') return { status: 'reserved', channel: reservation.channel };
      return { status: 'skipped', reason: 'already decided' };
    },
    async deliver(request, context = {}) {
      const step = { request, channels: request.channels, depth: 0, context };
      const outcome = await deliverOn(pipeline, step);
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
  if (!row.channel) return settleUnexpected(pipeline, step, row, new Error('reserved row without a channel'));
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
  const { request } = step;
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
  if (!adapter || !contact)
    return settleUnexpected(pipeline, step, row, new Error(`no ${channel} adapter on this worker`));
  if (request.category === 'marketing' && options.marketingRefusal) {
    await ledger.skipped(row, options.marketingRefusal);
    return { status: 'skipped', channel, reason: options.marketingRefusal };
  }
  const target: Target<C> = { channel, row, contact, recipient, adapter };
  try {
    return await renderAndSend(pipeline, step, target);
  } catch (error) {
    if (error instanceof ChannelFailure) throw error; // already settled: the row is released for the retry
    return settleUnexpected(pipeline, step, row, error, adapter);
  }
}

/** Render, then the provider call under a deadline and the activity's cancellation, then record. */
async function renderAndSend<C extends Channel>(
  pipeline: Pipeline,
  step: Step,
  target: Target<C>,
): Promise<SendOutcome> {
  const { options, ledger } = pipeline;
  const { request } = step;
  const { channel, row, contact, recipient, adapter } = target;
  let rendered: Awaited<ReturnType<typeof messageFor<C>>>;
  try {
    rendered = await messageFor(options, request, contact, channel);
  } catch (error) {
    const reason = `template "${request.template}" did not render: ${(error as Error).message}`;
    return afterFailure(pipeline, step, target, { kind: 'render', message: reason });
  }
  const { message, unsubscribeUrl } = rendered;
  const noLink = missingUnsubscribeLink(request, message, unsubscribeUrl);
  if (noLink) {
    await ledger.skipped(row, noLink);
    options.logger.warn({ dedupKey: request.dedupKey }, noLink);
    return { status: 'skipped', channel, reason: noLink };
  }
  // The governor's token before "sending": a send that waited in vain is still only reserved.
  const governor = options.rateGovernor;
  const bucket = { channel, account: adapter.rateAccount?.(recipient) ?? 'default' };
  const priority = options.ratePriority ?? 'triggered';
  try {
    await governor?.acquire(bucket, { priority, signal: step.context.signal });
  } catch (error) {
    return afterFailure(pipeline, step, target, ChannelFailure.from(error));
  }
  // "sending" tells a retry that the provider may have the message: only at-most-once channels
  // act on it, so at-least-once channels save the round trip (a retry resends with the same key).
  if (adapter.crashWindow === 'at-most-once') await ledger.sending(row);
  const deadline = AbortSignal.timeout(options.providerTimeoutMs ?? defaultProviderTimeoutMs);
  const signal = step.context.signal ? AbortSignal.any([step.context.signal, deadline]) : deadline;
  let sent: { providerMessageId: string };
  try {
    const { dedupKey: idempotencyKey, category } = request;
    sent = await adapter.send({ message, recipient, idempotencyKey, category, unsubscribeUrl, signal });
  } catch (error) {
    const failure = await governedFailure(governor, bucket, error);
    if (adapter.crashWindow === 'at-most-once' && (signal.aborted || failure.mayHaveArrived))
      return abandoned(pipeline, step, target, signal.aborted ? signal : failure);
    return afterFailure(pipeline, step, target, failure);
  }
  await ledger.sent(row, sent.providerMessageId);
  return { status: 'sent', channel, providerMessageId: sent.providerMessageId };
}
