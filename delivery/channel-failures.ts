import type { Channel } from '../domain/channels.js';
import {
  afterChannelFailure,
  deliverMaxAttempts,
  type ChannelFailureKind,
} from '../domain/delivery-decision.js';
import type { SendOutcome } from '../domain/journey-runtime.js';
import { countDeliveryFailure } from '../infra/metrics.js';
import type { ChannelAdapter } from './channel-adapter.js';
import { ChannelFailure } from './channel-adapter.js';
import type { RecipientOf } from './channels/index.js';
import { learnFromFailure, type CustomerContact } from './customer-contact.js';
import type { DeliveryPipelineOptions } from './delivery-pipeline.js';
import type { DeliverContext, DeliveryRequest } from './delivery-request.js';
import type { LedgerRow, ledgerTransitions } from './ledger.js';
import type { ReservationRules } from './reservation.js';

/** The provider call's deadline unless configured: well inside the deliver activity's 2 minutes. */
export const defaultProviderTimeoutMs = 60_000;

/** What every step of one pipeline shares. */
export interface Pipeline {
  options: DeliveryPipelineOptions;
  rules: ReservationRules;
  ledger: ReturnType<typeof ledgerTransitions>;
  /** Reserve and send on the channels still to try (the pipeline's own entry). */
  fallBack(step: Step): Promise<SendOutcome>;
}

/** One send step on the channels still to try; `depth` counts the fallbacks taken. */
export interface Step {
  request: DeliveryRequest;
  channels: Channel[];
  depth: number;
  context: DeliverContext;
}

/** The reserved row and what it is sent with. */
export interface Target<C extends Channel> {
  channel: C;
  row: LedgerRow;
  contact: CustomerContact;
  recipient: RecipientOf<C>;
  adapter: ChannelAdapter<C>;
}

/**
 * After the channel failed (render error or provider): release the row for the activity's retry,
 * or record the failure and go to the next channel, or end the step as failed. The row always
 * leaves `reserved`, except when released for a retry that this same step makes.
 */
export async function afterFailure<C extends Channel>(
  pipeline: Pipeline,
  step: Step,
  target: Target<C>,
  failure: { kind: ChannelFailureKind; message: string },
): Promise<SendOutcome> {
  const { options, ledger } = pipeline;
  const { request, channels } = step;
  const { channel, row } = target;
  const remaining = channels.slice(channels.indexOf(channel) + 1);
  const next = afterChannelFailure({
    kind: failure.kind,
    attempt: step.context.attempt ?? 1,
    onOutage: request.onOutage,
    category: request.category,
    channelsLeft: step.depth >= request.channels.length ? 0 : remaining.length,
  });
  countDeliveryFailure(channel, failure.kind);
  const log = { dedupKey: request.dedupKey, channel, kind: failure.kind, next };
  options.logger.warn(log, `${channel} failed: ${failure.message}`);
  if (next === 'retry') {
    // Not accepted: the slot stays ours, and the activity retries with backoff.
    await ledger.released(row, `retrying: ${failure.message}`);
    throw failure instanceof ChannelFailure ? failure : new ChannelFailure('transient', failure.message);
  }
  if (failure.kind !== 'render' && failure.kind !== 'transient')
    await learnFromFailure(options.db, target.contact.customerId, channel, target.recipient, {
      kind: failure.kind,
      message: failure.message,
    } as ChannelFailure);
  const reason = `${channel} failed (${failure.kind}): ${failure.message}`;
  if (next === 'nextChannel') {
    await ledger.failed(row, channel, `${failure.kind}: ${failure.message}`);
    return pipeline.fallBack({ ...step, channels: remaining, depth: step.depth + 1 });
  }
  // The last channel: the step's own row records the failure, so a retried activity reads it back.
  await ledger.gaveUp(row, reason);
  const failed = failure.kind === 'transient' || failure.kind === 'render';
  return { status: failed ? 'failed' : 'skipped', channel, reason };
}

/**
 * An at-most-once provider call cut off by the deadline or the activity's cancellation, or one
 * that went unanswered (the adapter's own timeout): the provider may have the message, so it is
 * recorded as unknown and never resent.
 */
export async function abandoned<C extends Channel>(
  pipeline: Pipeline,
  step: Step,
  target: Target<C>,
  cause: AbortSignal | ChannelFailure,
): Promise<SendOutcome> {
  const { channel, row } = target;
  const why =
    cause instanceof ChannelFailure
      ? cause.message
      : ((cause.reason as Error | undefined)?.message ?? 'cancelled');
  const reason = `outcome unknown: the ${channel} call was cut off (${why}); not resent (at-most-once)`;
  await pipeline.ledger.outcomeUnknown(row, reason);
  countDeliveryFailure(channel, 'outcome-unknown');
  pipeline.options.logger.warn({ dedupKey: step.request.dedupKey, channel }, reason);
  return { status: 'failed', channel, reason };
}

/**
 * Anything else that threw after the reservation (a database error, a missing adapter): the row
 * is released for the activity's retry, and on its last attempt ends `failed` with the reason. An
 * at-most-once row already `sending` stays so: the retry records its outcome as unknown.
 */
export async function settleUnexpected(
  pipeline: Pipeline,
  step: Step,
  row: LedgerRow,
  error: unknown,
  adapter?: ChannelAdapter,
): Promise<SendOutcome> {
  const message = `error: ${(error as Error | undefined)?.message ?? String(error)}`;
  const channel = row.channel ?? 'none';
  countDeliveryFailure(channel, 'error');
  pipeline.options.logger.warn({ dedupKey: step.request.dedupKey, channel, err: error }, message);
  const sending = adapter?.crashWindow === 'at-most-once' && (await pipeline.ledger.isSending(row));
  if ((step.context.attempt ?? 1) < deliverMaxAttempts) {
    if (!sending) await pipeline.ledger.released(row, `retrying: ${message}`);
    throw error;
  }
  if (sending) await pipeline.ledger.outcomeUnknown(row, `outcome unknown: ${message}`);
  else await pipeline.ledger.gaveUp(row, message);
  return { status: 'failed', channel: row.channel ?? undefined, reason: message };
}
