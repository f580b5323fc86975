import { eq, inArray, sql } from 'drizzle-orm';
import type { Queryable } from '../db/queryable.js';
import { deliveries } from '../db/schema.js';
import type { Channel } from '../domain/channels.js';
import { journeyPausedReason, type Decision } from '../domain/delivery-decision.js';
import type { SendOutcome } from '../domain/journey-runtime.js';
import { throughOutage } from '../infra/database-outage.js';
import type { Deliverer, DeliveryRequest } from './delivery-request.js';

/**
 * The delivery ledger (`deliveries`): one row per message a step wanted to send. A row is
 * inserted `reserved`, `skipped` or `deferred` by the decision; a reserved row then moves
 * reserved → (sending →) sent, or back to reserved for a retry, or to failed or skipped.
 */
export type LedgerRow = typeof deliveries.$inferSelect;

/** Rows that went out, or may have: they count toward caps and intents. */
export const countedStatuses = ['reserved', 'sending', 'sent', 'delivered'] as const;

/** Of those, the ones not final: they count only for `unfinishedRowCountsForMs` after their reservation. */
export const unfinishedStatuses = ['reserved', 'sending'] as const;

/** What a step reports for a row already decided. */
export function outcomeOf(row: LedgerRow): SendOutcome {
  if (row.status === 'sent' || row.status === 'delivered') {
    return {
      status: 'sent',
      channel: row.channel ?? undefined,
      providerMessageId: row.providerMessageId ?? undefined,
    };
  }
  if (row.status === 'deferred')
    return {
      status: 'deferred',
      channel: row.channel ?? undefined,
      reason: row.reason ?? undefined,
      ...(row.deferredUntil ? { until: row.deferredUntil.toISOString() } : {}),
      ...(row.reason === journeyPausedReason ? { held: true } : {}),
    };
  return {
    // A failed row reads back as skipped (the contract of rows from before `failed` outcomes).
    status: 'skipped',
    channel: row.channel ?? undefined,
    reason: row.reason ?? undefined,
  };
}

/** The ledger columns that come from the request itself. */
function columnsOf(request: DeliveryRequest, customerId: string) {
  return {
    dedupKey: request.dedupKey,
    customerId,
    journeyId: request.journeyId,
    journeyVersion: request.journeyVersion,
    workflowId: request.workflowId,
    runId: request.runId,
    stepId: request.stepId,
    intentKey: request.intentKey,
    category: request.category,
    tags: request.tags,
  };
}

/** The ledger columns a decision sets: reserved on its channel, deferred until a time, or skipped. */
function decisionValues(
  decision: Decision,
  at: Date,
): Pick<
  typeof deliveries.$inferInsert,
  'status' | 'channel' | 'reason' | 'createdAt' | 'deferredUntil' | 'rule'
> {
  if (decision.kind === 'send')
    return {
      status: 'reserved',
      channel: decision.channel,
      reason:
        decision.skippedChannels.length > 0 ? `fell back: ${decision.skippedChannels.join('; ')}` : null,
      createdAt: at,
    };
  if (decision.kind === 'defer')
    return {
      status: 'deferred',
      reason: decision.reason,
      deferredUntil: decision.until,
      rule: decision.rule,
    };
  return { status: 'skipped', reason: decision.reason, rule: decision.rule };
}

/** The row recording a decision, unawaited: the reservation sends it with the transaction's COMMIT. */
export function insertDecision(
  tx: Queryable,
  request: DeliveryRequest,
  customerId: string,
  decision: Decision,
  at: Date,
) {
  return insertDecisions(tx, [{ columns: columnsOf(request, customerId), decision }], at);
}

/** What a row says of its sender (a journey's step, a broadcast), beside the decision. */
export type LedgerColumns = Omit<
  typeof deliveries.$inferInsert,
  'id' | 'status' | 'channel' | 'reason' | 'createdAt' | 'deferredUntil' | 'rule' | 'updatedAt'
>;

/** Many decisions' rows in one statement (a broadcast's batch), unawaited like `insertDecision`. */
export function insertDecisions(
  tx: Queryable,
  rows: readonly { columns: LedgerColumns; decision: Decision }[],
  at: Date,
) {
  return tx
    .insert(deliveries)
    .values(rows.map(({ columns, decision }) => ({ ...columns, ...decisionValues(decision, at) })))
    .returning();
}

/**
 * As `insertDecisions`, where a row under the same key that is `deferred` (its time has come: the
 * caller read it under the customer's lock) takes the new decision in place: one row per key stays
 * the rule, and its `deferred_until` is kept as the record of the wait.
 */
export function decideAgainDeferred(
  tx: Queryable,
  rows: readonly { columns: LedgerColumns; decision: Decision }[],
  at: Date,
) {
  const excluded = (column: string) => sql.raw(`excluded.${column}`);
  return tx
    .insert(deliveries)
    .values(rows.map(({ columns, decision }) => ({ ...columns, ...decisionValues(decision, at) })))
    .onConflictDoUpdate({
      target: deliveries.dedupKey,
      set: {
        status: excluded('status'),
        channel: excluded('channel'),
        reason: excluded('reason'),
        rule: excluded('rule'),
        createdAt: excluded('created_at'),
        deferredUntil: sql`coalesce(${excluded('deferred_until')}, ${deliveries.deferredUntil})`,
      },
      setWhere: sql`${deliveries.status} = 'deferred'`,
    })
    .returning();
}

/** The moves of a reserved row, each one statement. */
export function ledgerTransitions(db: Queryable) {
  const move = async (row: LedgerRow, values: Partial<typeof deliveries.$inferInsert>) => {
    await db.update(deliveries).set(values).where(eq(deliveries.id, row.id));
  };
  return {
    sending: (row: LedgerRow) => move(row, { status: 'sending' }),
    // The provider has it: recording that must outlast a database blip, or a retry would send again.
    sent: (row: LedgerRow, providerMessageId: string) =>
      throughOutage(() => move(row, { status: 'sent', providerMessageId })),
    /** Not accepted: back to reserved (the slot stays ours) for the activity's retry. */
    released: (row: LedgerRow, reason: string) => move(row, { status: 'reserved', reason }),
    skipped: (row: LedgerRow, reason: string) => move(row, { status: 'skipped', reason }),
    /** The step's last channel failed, or its last attempt: failed under the step's key (read back on retry). */
    gaveUp: (row: LedgerRow, reason: string) => move(row, { status: 'failed', reason }),
    /** Whether an at-most-once row was marked `sending` (the provider may have the message). */
    isSending: async (row: LedgerRow) => {
      const [current] = await db
        .select({ status: deliveries.status })
        .from(deliveries)
        .where(eq(deliveries.id, row.id));
      return current?.status === 'sending';
    },
    /** An at-most-once send interrupted by a crash: failed, under the step's key (never resent). */
    outcomeUnknown: (row: LedgerRow, reason: string) => move(row, { status: 'failed', reason }),
    /**
     * Keep the failed attempt in the ledger under its own key; the step's key moves to the next
     * channel. The row id keeps it unique should the same channel fail again for this step after a retry.
     */
    failed: (row: LedgerRow, channel: Channel, reason: string) =>
      move(row, { status: 'failed', reason, dedupKey: `${row.dedupKey}#${channel}#${row.id}` }),
  };
}

/**
 * The moves of many rows in one statement each (a broadcast's batch): one status for a set of rows,
 * and `sent` with each row's provider id.
 */
export function batchTransitions(db: Queryable) {
  return {
    move: async (ids: readonly number[], values: Partial<typeof deliveries.$inferInsert>) => {
      if (ids.length > 0)
        await db
          .update(deliveries)
          .set(values)
          .where(inArray(deliveries.id, [...ids]));
    },
    /** Failed attempts moved to keys of their own (`<key>#<channel>#<id>`, as `failed` above). */
    rekeyFailed: async (rows: readonly { id: number; channel: Channel; reason: string }[]) => {
      if (rows.length === 0) return;
      const list = JSON.stringify(rows.map(({ id, channel, reason }) => ({ id, c: channel, r: reason })));
      await db.execute(sql`update deliveries set status = 'failed', reason = v.r, updated_at = now(),
          dedup_key = deliveries.dedup_key || '#' || v.c || '#' || deliveries.id
        from jsonb_to_recordset(${list}::jsonb) as v(id bigint, c text, r text) where deliveries.id = v.id`);
    },
    // As for one row: recording that the provider has them must outlast a database blip.
    sent: (sent: readonly { id: number; providerMessageId: string }[]) =>
      throughOutage(async () => {
        if (sent.length === 0) return;
        const list = JSON.stringify(sent.map(({ id, providerMessageId }) => ({ id, p: providerMessageId })));
        await db.execute(sql`update deliveries set status = 'sent', provider_message_id = v.p, updated_at = now()
          from jsonb_to_recordset(${list}::jsonb) as v(id bigint, p text)
          where deliveries.id = v.id and deliveries.status in ('reserved', 'sending')`);
      }),
  };
}

/**
 * The deliverer used while no channel adapter is configured: it records the request in the
 * ledger as skipped, with that reason, so nothing is dropped silently and a retried or replayed
 * step finds its earlier outcome instead of writing a second row.
 */
export function ledgerOnlyDeliverer(db: Queryable): Deliverer {
  return {
    async deliver(request) {
      const reason = 'no channel adapter is configured';
      const inserted = await db
        .insert(deliveries)
        .values({ ...columnsOf(request, request.customerId), status: 'skipped', reason })
        .onConflictDoNothing({ target: deliveries.dedupKey })
        .returning({ status: deliveries.status });
      if (inserted.length > 0) return { status: 'skipped', reason };
      const [existing] = await db.select().from(deliveries).where(eq(deliveries.dedupKey, request.dedupKey));
      return existing ? outcomeOf(existing) : { status: 'skipped', reason };
    },
  };
}
