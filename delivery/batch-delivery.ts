import { templateForSend } from '../catalog/template-store.js';
import type { TemplateParts } from '../domain/channels.js';
import { broadcastWorkflowId } from '../domain/broadcast.js';
import { channels, type Channel } from '../domain/channels.js';
import { afterChannelFailure } from '../domain/delivery-decision.js';
import { inLanes } from '../infra/lanes.js';
import { countDeliveryFailure } from '../infra/metrics.js';
import { governedFailure } from './rate-governor.js';
import { ChannelFailure, type ChannelAdapter, type MessageOf } from './channel-adapter.js';
import { defaultProviderTimeoutMs } from './channel-failures.js';
import { learnFromFailure, recipientOn, type CustomerContact } from './customer-contact.js';
import { reserveBatch, type BatchItem, type BroadcastRow } from './batch-reservation.js';
import type { DeliveryPipelineOptions } from './delivery-pipeline.js';
import { BatchSettlement, type BatchOutcome } from './batch-settlement.js';
import { missingUnsubscribeLink, renderFor } from './render-message.js';
import { reservationRules } from './reservation.js';
import type { RecipientOf } from './channels/index.js';
import type { LedgerRow } from './ledger.js';

export type { BatchOutcome } from './batch-settlement.js';

/** What the batch-deliver activity knows of its own attempt. */
export interface BatchContext {
  signal?: AbortSignal;
  attempt?: number;
  /** Called as provider calls finish: the activity heartbeats, so a dead worker's batch moves on. */
  progress?: () => void;
}

/** Provider calls of one batch in flight at once (each adapter bounds its own call's time). */
export const defaultBatchSendLanes = 32;

/** A reserved row ready for its provider call. */
interface Ready<C extends Channel = Channel> {
  row: LedgerRow;
  adapter: ChannelAdapter<C>;
  send: Omit<Parameters<ChannelAdapter<C>['send']>[0], 'signal'>;
}

/** The pipeline's options; a batch writes no log lines of its own (its outcome is in the ledger). */
export type BatchDeliveryOptions = Omit<DeliveryPipelineOptions, 'logger'>;

export interface BatchDelivery {
  deliverBatch(
    broadcastId: string,
    customerIds: readonly string[],
    context?: BatchContext,
  ): Promise<BatchOutcome>;
}

/**
 * A broadcast's batch: one reservation round trip for every customer (batch-reservation.ts), the
 * template read once per locale, the provider calls in bounded lanes, then each ledger move batched.
 * A row an earlier attempt left is handled as the single pipeline handles it: `reserved` is sent
 * (at-least-once channels resend under the same idempotency key), `sending` on an at-most-once
 * channel is recorded as outcome unknown and never resent, anything final is only counted.
 */
export function createBatchDelivery(options: BatchDeliveryOptions): BatchDelivery {
  const rules = reservationRules(
    options,
    options.adapters.map((a) => a.channel),
  );
  return {
    async deliverBatch(broadcastId, customerIds, context = {}) {
      const settlement = new BatchSettlement(options.db);
      // This batch's place among the batches waiting for the rate governor's tokens: the older first.
      const order = Date.now();
      let first: { broadcast: BroadcastRow; customers: number } | undefined;
      let ids: readonly string[] = customerIds;
      let channelsOf: ((customerId: string) => Channel[]) | undefined;
      // A round per channel at most: the customers whose channel failed for good go on to the next.
      for (let round = 0; ids.length > 0 && round < channels.length; round++) {
        const { broadcast, items } = await reserveBatch(options.db, rules, broadcastId, ids, channelsOf);
        first ??= { broadcast, customers: items.length };
        const pending = pendingOf(options, items, settlement);
        const ready = await prepare(options, broadcast, pending, settlement);
        await settlement.markSending(
          ready.filter((r) => r.adapter.crashWindow === 'at-most-once').map((r) => r.row),
        );
        const remainingOf = (row: LedgerRow) => {
          const tried = channelsOf?.(row.customerId) ?? broadcast.channels;
          const at = row.channel ? tried.indexOf(row.channel) : -1;
          return at < 0 ? [] : tried.slice(at + 1);
        };
        await inLanes(ready.length, defaultBatchSendLanes, async (i) => {
          const item = ready[i] as Ready;
          await callProvider(options, { ...item, remaining: remainingOf(item.row) }, settlement, {
            ...context,
            order,
          });
          context.progress?.();
        });
        const next = await settlement.takeFallbacks();
        ids = [...next.keys()];
        channelsOf = (customerId) => next.get(customerId) ?? [];
      }
      return settlement.finish(first?.broadcast.status === 'cancelled', first?.customers ?? 0);
    },
  };
}

type Pending = { row: LedgerRow; channel: Channel; contact: CustomerContact };

/** The rows to send now; every other row is counted as it stands, or settled if it can be now. */
function pendingOf(
  options: BatchDeliveryOptions,
  items: BatchItem[],
  settlement: BatchSettlement,
): Pending[] {
  const pending: Pending[] = [];
  for (const item of items) {
    if (item.kind === 'reserved') pending.push(item);
    else if (item.kind === 'decided' || (item.row.status !== 'reserved' && item.row.status !== 'sending'))
      settlement.count(item.row.status);
    else if (!item.row.channel || !item.contact) settlement.skip(item.row, 'customer not found');
    else if (
      item.row.status === 'sending' &&
      adapterFor(options, item.row.channel)?.crashWindow === 'at-most-once'
    )
      settlement.fail(
        item.row,
        `outcome unknown: the process stopped while ${item.row.channel} was being sent; not resent (at-most-once)`,
      );
    else pending.push({ row: item.row, channel: item.row.channel, contact: item.contact });
  }
  return pending;
}

const adapterFor = <C extends Channel>(options: BatchDeliveryOptions, channel: C) =>
  options.adapters.findLast((a): a is ChannelAdapter<C> => a.channel === channel);

/** Recipient, template (read once per locale) and rendered message for each pending row. */
async function prepare(
  options: BatchDeliveryOptions,
  broadcast: BroadcastRow,
  pending: Pending[],
  settlement: BatchSettlement,
): Promise<Ready[]> {
  const templates = new Map<string, Promise<TemplateParts | undefined>>();
  const templateOf = (locale: string | undefined) => {
    const key = locale ?? '';
    if (!templates.has(key))
      templates.set(
        key,
        templateForSend(options.db, broadcast.template, { locale }).then(
          (found) => found?.parts ?? options.templates[broadcast.template],
        ),
      );
    return templates.get(key) as Promise<TemplateParts | undefined>;
  };
  const sender = {
    trigger: {
      type: 'broadcast',
      event: 'Broadcast',
      properties: { broadcast: broadcast.id, name: broadcast.name },
    },
    journey: { id: broadcastWorkflowId(broadcast.id), name: broadcast.name, step: 'broadcast' },
  };
  const ready: Ready[] = [];
  for (const { row, channel, contact } of pending) {
    const adapter = adapterFor(options, channel);
    const recipient = recipientOn(contact, channel);
    if (typeof recipient === 'string') settlement.skip(row, `${channel}: ${recipient}`);
    else if (!adapter) settlement.fail(row, `error: no ${channel} adapter on this worker`);
    else if (broadcast.category === 'marketing' && options.marketingRefusal)
      settlement.skip(row, options.marketingRefusal);
    else {
      const template = await templateOf(contact.locale);
      const rendered = await renderOne(options, template, sender, contact, channel, broadcast);
      if (typeof rendered === 'string') settlement.fail(row, rendered);
      else {
        const noLink = missingUnsubscribeLink(broadcast, rendered.message, rendered.unsubscribeUrl);
        if (noLink) settlement.skip(row, noLink);
        else ready.push(readyOf(row, adapter, recipient, rendered, broadcast));
      }
    }
  }
  return ready;
}

async function renderOne<C extends Channel>(
  options: BatchDeliveryOptions,
  template: TemplateParts | undefined,
  sender: Parameters<typeof renderFor>[2],
  contact: CustomerContact,
  channel: C,
  broadcast: BroadcastRow,
) {
  if (!template) return `template "${broadcast.template}" not found`;
  try {
    return await renderFor(options, template, sender, contact, channel);
  } catch (error) {
    return `template "${broadcast.template}" did not render: ${(error as Error).message}`;
  }
}

function readyOf<C extends Channel>(
  row: LedgerRow,
  adapter: ChannelAdapter<C>,
  recipient: RecipientOf<C>,
  rendered: { message: MessageOf<C>; unsubscribeUrl: string | undefined },
  broadcast: BroadcastRow,
): Ready {
  const send = { ...rendered, recipient, idempotencyKey: row.dedupKey, category: broadcast.category };
  return { row, adapter, send } as unknown as Ready;
}

/** One provider call under its deadline and the activity's cancellation; its outcome goes to the settlement. */
async function callProvider(
  options: BatchDeliveryOptions,
  { row, adapter, send, remaining }: Ready & { remaining: Channel[] },
  settlement: BatchSettlement,
  context: BatchContext & { order: number },
): Promise<void> {
  // The provider rate governor's token first, behind journeys' triggered sends ('bulk'): a send that
  // waited in vain is released for the activity's retry, nothing sent.
  const governor = options.rateGovernor;
  const bucket = { channel: adapter.channel, account: adapter.rateAccount?.(send.recipient) ?? 'default' };
  try {
    await governor?.acquire(bucket, { priority: 'bulk', signal: context.signal, order: context.order });
  } catch (error) {
    return settlement.release(row, `retrying: ${ChannelFailure.from(error).message}`);
  }
  const deadline = AbortSignal.timeout(options.providerTimeoutMs ?? defaultProviderTimeoutMs);
  const signal = context.signal ? AbortSignal.any([context.signal, deadline]) : deadline;
  let answer: { providerMessageId: string };
  try {
    answer = await adapter.send({ ...send, signal });
  } catch (error) {
    const failure = await governedFailure(governor, bucket, error);
    const channel = adapter.channel;
    countDeliveryFailure(channel, failure.kind);
    if (adapter.crashWindow === 'at-most-once' && (signal.aborted || failure.mayHaveArrived)) {
      settlement.fail(
        row,
        `outcome unknown: the ${channel} call was cut off (${failure.message}); not resent (at-most-once)`,
      );
      return;
    }
    // A transient failure retries the batch; one for good moves on to the next channel, if any.
    const next = afterChannelFailure({
      kind: failure.kind,
      attempt: context.attempt ?? 1,
      onOutage: 'retry',
      category: row.category,
      channelsLeft: failure.kind === 'transient' ? 0 : remaining.length,
    });
    if (next === 'retry') return settlement.release(row, `retrying: ${failure.message}`);
    if (failure.kind !== 'transient')
      await learnFromFailure(options.db, row.customerId, channel, send.recipient, failure);
    const reason = `${channel} failed (${failure.kind}): ${failure.message}`;
    if (next === 'nextChannel') settlement.fallBack(row, channel, reason, remaining);
    else settlement.fail(row, reason);
    return;
  }
  // Outside the provider's try: a ledger error here is no provider failure (the activity retries).
  await settlement.sent(row, answer.providerMessageId);
}
