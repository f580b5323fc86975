import { and, eq, gt, inArray, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { deliveries, identities, journeyRuns, pushSubscriptions } from '../db/schema.js';
import { setConsent } from '../customers/set-consent.js';
import { createUnsubscribeToken } from '../customers/unsubscribe-token.js';
import type { Queryable } from '../db/queryable.js';
import { pipelinedTransaction } from '../db/pipelined-transaction.js';
import type { Channel } from '../domain/channels.js';
import { capHit, capHorizonMs, defaultCaps, type CapRule } from '../domain/frequency-caps.js';
import type { SendOutcome } from '../domain/journey-runtime.js';
import { defaultQuietHours, quietUntil, type QuietHours } from '../domain/quiet-hours.js';
import { throughOutage } from '../infra/database-outage.js';
import type { Logger } from '../infra/logger.js';
import type { TemplateParts } from '../journeys/templates.js';
import { ChannelFailure, type ChannelAdapter, type Recipient } from './channel-adapter.js';
import {
  contactOf,
  contactReads,
  loadCustomerContact,
  recipientOn,
  type CustomerContact,
} from './customer-contact.js';
import { capsHit, deliveryOutcomes, triggerToSend } from '../infra/metrics.js';
import { ledgerRow, type Deliverer, type DeliveryRequest } from './deliverer.js';
import { renderMessage } from './render-message.js';

export interface DeliveryPipelineOptions {
  db: Database;
  adapters: readonly ChannelAdapter[];
  templates: Readonly<Record<string, TemplateParts>>;
  caps?: readonly CapRule[];
  quietHours?: QuietHours;
  /** Zone for customers whose profile and phone say nothing. */
  defaultTimeZone?: string;
  /** Default window in which one intent is not repeated. */
  defaultIntentWindowMs?: number;
  unsubscribe?: { secret: string; baseUrl: string };
  shop?: { url: string; name: string };
  logger: Logger;
  now?: () => Date;
}

/** Rows that went out, or may have: they count toward caps and intents. */
const counted = ['reserved', 'sending', 'sent', 'delivered'] as const;

type Decision =
  | { kind: 'send'; channel: Channel; recipient: Recipient; skippedChannels: string[] }
  | { kind: 'skip'; reason: string }
  | { kind: 'defer'; until: Date; reason: string };

/**
 * The one decision pipeline behind every send step:
 * consent → run still wanted → intent dedup → caps → quiet hours → channel choice (ordered
 * fallback) → ledger reservation → provider call → ledger status.
 *
 * Correct under any concurrency: the decision and the reservation happen in one transaction that
 * holds a per-customer advisory lock, so two workers racing for a customer's last cap slot are
 * serialised and the second sees the first's reservation. The ledger's unique dedup key (run +
 * step) makes a step's message go out at most once across retries, replays and duplicates.
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
  const caps = options.caps ?? defaultCaps;
  const quiet = options.quietHours ?? defaultQuietHours;
  const adapters = new Map(options.adapters.map((a) => [a.channel, a]));
  const now = options.now ?? (() => new Date());

  const outcomeOf = (row: typeof deliveries.$inferSelect): SendOutcome => {
    if (row.status === 'sent' || row.status === 'delivered') {
      return {
        status: 'sent',
        channel: row.channel ?? undefined,
        providerMessageId: row.providerMessageId ?? undefined,
      };
    }
    return {
      status: row.status === 'deferred' ? 'deferred' : 'skipped',
      channel: row.channel ?? undefined,
      reason: row.reason ?? undefined,
    };
  };

  /** The ledger insert for a decision, unawaited: it goes out with the transaction's COMMIT. */
  const record = (
    tx: Queryable,
    request: DeliveryRequest,
    customerId: string,
    values: Partial<typeof deliveries.$inferInsert>,
  ) =>
    tx
      .insert(deliveries)
      .values({ ...ledgerRow(request, customerId), status: 'skipped', ...values })
      .returning();

  const intentWindowOf = (request: DeliveryRequest) =>
    request.intentWindowMs ?? options.defaultIntentWindowMs ?? 86_400_000;

  /** The decision itself, over rows read under the lock: no queries here. */
  const decide = (
    request: DeliveryRequest,
    contact: CustomerContact,
    runStatus: string | undefined,
    recent: (typeof deliveries.$inferSelect)[],
    at: Date,
  ): Decision => {
    if (runStatus && runStatus !== 'running')
      return { kind: 'skip', reason: `the run has ended (${runStatus})` };
    const intentWindow = intentWindowOf(request);
    const sameIntent = recent.find(
      (d) => d.intentKey === request.intentKey && d.createdAt.getTime() > at.getTime() - intentWindow,
    );
    if (sameIntent)
      return {
        kind: 'skip',
        reason: `intent "${request.intentKey}" already sent on ${sameIntent.channel} (${sameIntent.journeyId ?? 'no journey'})`,
      };

    const countedRows = recent
      .filter((d) => d.channel !== null)
      .map((d) => ({ channel: d.channel as Channel, journeyId: d.journeyId, tags: d.tags, at: d.createdAt }));
    const reasons: string[] = [];
    for (const channel of request.channels) {
      if (!adapters.has(channel)) {
        reasons.push(`${channel}: no adapter configured`);
        continue;
      }
      const recipient = recipientOn(contact, channel);
      if (typeof recipient === 'string') {
        reasons.push(`${channel}: ${recipient}`);
        continue;
      }
      const hit = capHit(
        caps,
        countedRows,
        { channel, journeyId: request.journeyId, tags: request.tags, category: request.category },
        at,
      );
      if (hit) {
        capsHit.inc({ rule: hit.rule.id, policy: request.overCap });
        const reason = `${channel}: cap ${hit.rule.id} (${hit.rule.max} per ${Math.round(hit.rule.windowMs / 3_600_000)} h)`;
        if (request.overCap === 'nextChannel') {
          reasons.push(reason);
          continue;
        }
        if (request.overCap === 'defer') return { kind: 'defer', until: hit.allowedAt, reason };
        return { kind: 'skip', reason };
      }
      if (request.category === 'marketing') {
        const zone = contact.timeZone ?? options.defaultTimeZone ?? 'UTC';
        const opens = quietUntil(at, zone, quiet, request.dedupKey);
        if (opens) {
          const reason = `quiet hours ${quiet.start}–${quiet.end} ${zone}`;
          if (request.quietHours === 'skip') return { kind: 'skip', reason };
          return { kind: 'defer', until: opens, reason };
        }
      }
      return { kind: 'send', channel, recipient, skippedChannels: reasons };
    }
    return {
      kind: 'skip',
      reason: reasons.length > 0 ? `no channel allowed: ${reasons.join('; ')}` : 'no channel',
    };
  };

  /**
   * Decide and reserve under the customer's lock; returns the reserved row, or a final outcome.
   * Round trips are the cost here, so it takes two: BEGIN, the lock and every read the decision
   * needs go out together (Postgres runs them in order, so the reads see the world as of holding
   * the lock); the ledger row goes out with COMMIT. The request's customer id is taken as canonical;
   * if the customer was merged since, a second batch locks and reads the surviving customer.
   */
  const reserve = (request: DeliveryRequest, channels: Channel[]) =>
    pipelinedTransaction(db, async ({ db: tx, batch, commitWith }) => {
      const at = now();
      const horizon = new Date(at.getTime() - Math.max(capHorizonMs(caps), intentWindowOf(request)));
      const readUnderLock = (customerId: string) =>
        batch(
          tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`deliver:${customerId}`}, 0))`),
          // This step's own row (a retry, a replay or a racing duplicate) and the rows caps and intents count.
          tx
            .select()
            .from(deliveries)
            .where(
              or(
                eq(deliveries.dedupKey, request.dedupKey),
                and(
                  eq(deliveries.customerId, customerId),
                  inArray(deliveries.status, [...counted]),
                  gt(deliveries.createdAt, horizon),
                ),
              ),
            ),
          tx
            .select({ status: journeyRuns.status })
            .from(journeyRuns)
            .where(eq(journeyRuns.runId, request.runId)),
          ...contactReads(tx, customerId),
        );
      let [, ledger, runs, ...contactRows] = await readUnderLock(request.customerId);
      const mergedInto = contactRows[0][0]?.mergedIntoId;
      if (mergedInto) [, ledger, runs, ...contactRows] = await readUnderLock(mergedInto);
      const existing = ledger.find((row) => row.dedupKey === request.dedupKey);
      if (existing) return { existing };
      const contact = contactOf(mergedInto ?? request.customerId, contactRows);
      if (!contact) return { outcome: { status: 'skipped', reason: 'customer not found' } as SendOutcome };
      const decision = decide({ ...request, channels }, contact, runs[0]?.status, ledger, at);
      const commitRow = async (values: Partial<typeof deliveries.$inferInsert>) => {
        const [[row]] = await commitWith(record(tx, request, contact.customerId, values));
        if (!row) throw new Error('ledger insert returned nothing');
        return row;
      };
      if (decision.kind === 'skip')
        return { outcome: outcomeOf(await commitRow({ status: 'skipped', reason: decision.reason })) };
      if (decision.kind === 'defer') {
        await commitRow({ status: 'deferred', reason: decision.reason });
        return {
          outcome: {
            status: 'deferred',
            reason: decision.reason,
            until: decision.until.toISOString(),
          } as SendOutcome,
        };
      }
      const row = await commitRow({
        status: 'reserved',
        channel: decision.channel,
        reason:
          decision.skippedChannels.length > 0 ? `fell back: ${decision.skippedChannels.join('; ')}` : null,
        createdAt: at,
      });
      return { reserved: { row, contact, recipient: decision.recipient } };
    });

  const markUnreachable = async (customerId: string, recipient: Recipient, reason: string) => {
    if (recipient.channel === 'push') {
      await db
        .delete(pushSubscriptions)
        .where(eq(pushSubscriptions.endpoint, recipient.subscription.endpoint));
      await db
        .delete(identities)
        .where(
          and(eq(identities.kind, 'push_endpoint'), eq(identities.value, recipient.subscription.endpoint)),
        );
    } else if (recipient.channel === 'email' || recipient.channel === 'sms') {
      const [kind, value] =
        recipient.channel === 'email' ? ['email', recipient.email] : ['phone', recipient.phone];
      await db
        .update(identities)
        .set({ unreachableAt: new Date(), unreachableReason: reason })
        .where(
          and(
            eq(identities.customerId, customerId),
            eq(identities.kind, kind as 'email' | 'phone'),
            eq(identities.value, value),
          ),
        );
    }
  };

  const deliver = async (
    request: DeliveryRequest,
    channels: Channel[],
    depth: number,
  ): Promise<SendOutcome> => {
    const result = await reserve(request, channels);
    if ('outcome' in result && result.outcome) return result.outcome;
    let row: typeof deliveries.$inferSelect;
    let contact: CustomerContact | undefined;
    let recipient: Recipient | string | undefined;
    if ('existing' in result && result.existing) {
      row = result.existing;
      if (row.status !== 'reserved' && row.status !== 'sending') return outcomeOf(row);
      // A retry after a crash or a transient failure: re-derive the recipient for the reserved channel.
      contact = await loadCustomerContact(db, request.customerId);
      const channel = row.channel as Channel;
      const adapter = adapters.get(channel);
      if (row.status === 'sending' && adapter?.crashWindow === 'at-most-once') {
        const reason = `outcome unknown: the process stopped while ${channel} was being sent; not resent (at-most-once)`;
        await db
          .update(deliveries)
          .set({ status: 'failed', reason, updatedAt: new Date() })
          .where(eq(deliveries.id, row.id));
        logger.warn({ dedupKey: request.dedupKey, channel }, reason);
        return { status: 'skipped', channel, reason };
      }
      recipient = contact ? recipientOn(contact, channel) : 'customer not found';
      if (typeof recipient === 'string') {
        await db
          .update(deliveries)
          .set({ status: 'skipped', reason: `${channel}: ${recipient}`, updatedAt: new Date() })
          .where(eq(deliveries.id, row.id));
        return { status: 'skipped', channel, reason: `${channel}: ${recipient}` };
      }
    } else if ('reserved' in result && result.reserved) {
      ({ row, contact, recipient } = result.reserved);
    } else {
      return { status: 'skipped', reason: 'nothing to do' };
    }
    const channel = row.channel as Channel;
    const adapter = adapters.get(channel);
    if (!adapter || !contact || typeof recipient === 'string' || recipient === undefined)
      throw new Error('reserved row without adapter or recipient');

    const template = options.templates[request.template];
    if (!template) throw new Error(`unknown template ${request.template}`);
    const unsubscribeUrl = options.unsubscribe
      ? `${options.unsubscribe.baseUrl}/unsubscribe?token=${createUnsubscribeToken(options.unsubscribe.secret, { customerId: contact.customerId, channel })}`
      : undefined;
    const message = await renderMessage(template, channel, {
      profile: contact.profile,
      trigger: request.trigger as unknown as Record<string, unknown>,
      cart: contact.cart,
      journey: { id: request.journeyId, step: request.stepId },
      shop: options.shop ?? { url: 'http://127.0.0.1', name: 'Shop' },
      unsubscribe_url: unsubscribeUrl,
    });

    // "sending" tells a retry that the provider may have the message: only at-most-once channels
    // act on it, so at-least-once channels save the round trip (a retry resends with the same key).
    if (adapter.crashWindow === 'at-most-once')
      await db
        .update(deliveries)
        .set({ status: 'sending', updatedAt: new Date() })
        .where(eq(deliveries.id, row.id));
    let sent: { providerMessageId: string };
    try {
      sent = await adapter.send({
        message,
        recipient,
        idempotencyKey: request.dedupKey,
        category: request.category,
        unsubscribeUrl,
      });
    } catch (error) {
      const failure =
        error instanceof ChannelFailure ? error : new ChannelFailure('transient', (error as Error).message);
      const remaining = channels.slice(channels.indexOf(channel) + 1);
      const reroute = request.onOutage === 'nextChannel' && remaining.length > 0;
      if (failure.kind === 'transient' && !reroute) {
        // Not accepted: back to reserved (the slot stays ours) and let the activity retry with backoff.
        await db
          .update(deliveries)
          .set({ status: 'reserved', reason: `retrying: ${failure.message}`, updatedAt: new Date() })
          .where(eq(deliveries.id, row.id));
        throw failure;
      }
      if (failure.kind === 'unreachable')
        await markUnreachable(contact.customerId, recipient, failure.message);
      if (failure.kind === 'unsubscribed') {
        await setConsent(db, {
          customerId: contact.customerId,
          channel,
          status: 'unsubscribed',
          source: `provider:${channel}`,
          at: new Date(),
        });
      }
      // Keep the failed attempt in the ledger under its own key; the step's key moves to the next channel.
      await db
        .update(deliveries)
        .set({
          status: 'failed',
          reason: `${failure.kind}: ${failure.message}`,
          // The row id keeps it unique should the same channel fail again for this step after a retry.
          dedupKey: `${request.dedupKey}#${channel}#${row.id}`,
          updatedAt: new Date(),
        })
        .where(eq(deliveries.id, row.id));
      if (remaining.length === 0 || depth >= channels.length)
        return {
          status: 'skipped',
          channel,
          reason: `${channel} failed (${failure.kind}): ${failure.message}`,
        };
      return deliver(request, remaining, depth + 1);
    }
    // The provider has it: recording that must outlast a database blip, or a retry would send again.
    await throughOutage(() =>
      db
        .update(deliveries)
        .set({ status: 'sent', providerMessageId: sent.providerMessageId, updatedAt: new Date() })
        .where(eq(deliveries.id, row.id)),
    );
    return { status: 'sent', channel, providerMessageId: sent.providerMessageId };
  };

  return {
    async reserve(request) {
      const result = await reserve(request, request.channels);
      if ('outcome' in result && result.outcome) return result.outcome;
      if ('reserved' in result && result.reserved)
        return { status: 'reserved', channel: result.reserved.row.channel as Channel };
      return { status: 'skipped', reason: 'already decided' };
    },
    async deliver(request) {
      const outcome = await deliver(request, request.channels, 0);
      deliveryOutcomes.inc({ channel: outcome.channel ?? 'none', outcome: outcome.status });
      if (outcome.status === 'sent' && outcome.channel) {
        const started = Date.parse(request.trigger.occurredAt);
        if (Number.isFinite(started))
          triggerToSend.observe(
            { channel: outcome.channel },
            Math.max(0, (now().getTime() - started) / 1000),
          );
      }
      return outcome;
    },
  };
}
