import { and, eq, gt, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { pipelinedTransaction } from '../db/pipelined-transaction.js';
import type { Queryable } from '../db/queryable.js';
import { broadcasts, deliveries } from '../db/schema.js';
import { broadcastDedupKey, broadcastWorkflowId, maxBroadcastBatchSize } from '../domain/broadcast.js';
import type { Channel } from '../domain/channels.js';
import { decideDelivery, type Decision, type SendPolicy } from '../domain/delivery-decision.js';
import { capsHit } from '../infra/metrics.js';
import {
  contactFacts,
  contactOf,
  contactReadsMany,
  contactRowsById,
  type CustomerContact,
} from './customer-contact.js';
import { countedAt, customerLocks, firstHorizonMs, rowsForPolicy } from './ledger-reads.js';
import { decideAgainDeferred, type LedgerColumns, type LedgerRow } from './ledger.js';
import { latestPolicyRead } from './policy-store.js';
import type { ReservationRules } from './reservation.js';
import type { PolicyRules } from '../domain/delivery-policy.js';
import type { ContactRows } from './customer-contact.js';

export type BroadcastRow = typeof broadcasts.$inferSelect;

/** One customer of a batch after the reservation. */
export type BatchItem = { customerId: string } &
  /** Decided now without a provider call: skipped, or deferred to the customer's window. */
  (
    | { kind: 'decided'; row: LedgerRow }
    /** This broadcast's row from an earlier attempt of the batch (a retry after a crash). */
    | { kind: 'existing'; row: LedgerRow; contact: CustomerContact | undefined }
    | { kind: 'reserved'; row: LedgerRow; channel: Channel; contact: CustomerContact }
  );

export interface BatchReservation {
  broadcast: BroadcastRow;
  items: BatchItem[];
}

/** The batch's ledger: each customer's row of this broadcast, and the rows caps and intents count. */
function batchLedgerRead(tx: Queryable, keys: string[], ids: readonly string[], horizon: Date, at: Date) {
  return tx
    .select()
    .from(deliveries)
    .where(
      or(
        sql`${deliveries.dedupKey} in (select jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))`,
        and(
          sql`${deliveries.customerId} in (select (jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))::uuid)`,
          countedAt(at),
          gt(deliveries.createdAt, horizon),
        ),
      ),
    );
}

/** What a broadcast asks of the decision for one customer: its one message, marketing rules as set. */
function broadcastPolicy(
  broadcast: BroadcastRow,
  customerId: string,
  intentWindowMs: number,
  channels: Channel[],
): SendPolicy {
  return {
    channels,
    intentKey: broadcast.intentKey,
    category: broadcast.category,
    tags: ['broadcast'],
    overCap: 'skip',
    quietHours: 'defer',
    dedupKey: broadcastDedupKey(broadcast.id, customerId),
    journeyId: `broadcast ${broadcast.id}`,
    intentWindowMs,
  };
}

function columnsOf(broadcast: BroadcastRow, customerId: string): LedgerColumns {
  return {
    dedupKey: broadcastDedupKey(broadcast.id, customerId),
    customerId,
    workflowId: broadcastWorkflowId(broadcast.id),
    intentKey: broadcast.intentKey,
    category: broadcast.category,
    tags: ['broadcast'],
  };
}

/**
 * The send decision of `reservation.ts` for a whole batch of a broadcast's customers, in two round
 * trips whatever the batch's size: BEGIN, every customer's delivery lock (sorted, the single
 * path's key, so a journey's send and a broadcast serialise per customer), the broadcast's row,
 * the policy in force, the ledger rows and the contacts of all of them go out together; then every
 * ledger row goes out with COMMIT. A customer with a row under this broadcast's key from an earlier
 * attempt gets no second row: the batch is exactly-once per customer however often it is retried.
 * A cancelled broadcast decides nothing. A customer merged into another since the audience was read
 * is skipped (the survivor is a member in their own right, or not).
 */
export function reserveBatch(
  db: Database,
  rules: ReservationRules,
  broadcastId: string,
  customerIds: readonly string[],
  /** The channels still to try per customer (after a permanent failure); unset: the broadcast's. */
  channelsOf?: (customerId: string) => Channel[],
): Promise<BatchReservation> {
  if (customerIds.length > maxBroadcastBatchSize)
    throw new Error(`a batch holds at most ${maxBroadcastBatchSize} customers, not ${customerIds.length}`);
  return pipelinedTransaction(db, async ({ db: tx, batch, commitWith }) => {
    const at = rules.now();
    const ids = [...new Set(customerIds)];
    const keys = ids.map((id) => broadcastDedupKey(broadcastId, id));
    const intentWindowMs = rules.defaultIntentWindowMs;
    const horizonMs = firstHorizonMs(rules, intentWindowMs);
    const [, [broadcast], read, policyRow, ...contactRows] = await batch(
      customerLocks(tx, ids),
      tx.select().from(broadcasts).where(eq(broadcasts.id, broadcastId)),
      batchLedgerRead(tx, keys, ids, new Date(at.getTime() - horizonMs), at),
      latestPolicyRead(tx),
      ...contactReadsMany(tx, ids),
    );
    if (!broadcast) throw new Error(`broadcast ${broadcastId} not found`);
    if (broadcast.status === 'cancelled' || ids.length === 0) return { broadcast, items: [] };
    const policy = rules.policy.rulesOf(policyRow[0]);
    const ledger = await rowsForPolicy(
      { rows: read, ms: horizonMs },
      policy,
      at,
      async (further) => (await batch(batchLedgerRead(tx, keys, ids, further, at)))[0],
    );
    const { items, decided } = decideEach(broadcast, ids, contactRowsById(contactRows), ledger, {
      rules,
      policy,
      at,
      intentWindowMs,
      channelsOf: channelsOf ?? (() => broadcast.channels),
    });
    const rows = decided.map(({ customerId, decision }) => ({
      columns: columnsOf(broadcast, customerId),
      decision,
    }));
    const [inserted = []] = rows.length > 0 ? await commitWith(decideAgainDeferred(tx, rows, at)) : [];
    const insertedByKey = new Map(inserted.map((row) => [row.dedupKey, row]));
    for (const { customerId, decision, contact } of decided) {
      const row = insertedByKey.get(broadcastDedupKey(broadcastId, customerId));
      if (!row) throw new Error(`ledger insert returned no row for ${customerId}`);
      if (decision.kind === 'send' && contact)
        items.push({ customerId, kind: 'reserved', row, channel: decision.channel, contact });
      else items.push({ customerId, kind: 'decided', row });
    }
    return { broadcast, items };
  });
}

const isDue = (row: LedgerRow, at: Date) =>
  row.status === 'deferred' && row.deferredUntil !== null && row.deferredUntil.getTime() <= at.getTime();

type Decided = { customerId: string; decision: Decision; contact?: CustomerContact };

/** Each customer's decision, from the rows read under the locks; rows of an earlier attempt stand. */
function decideEach(
  broadcast: BroadcastRow,
  ids: readonly string[],
  contacts: Map<string, ContactRows>,
  ledger: LedgerRow[],
  now: {
    rules: ReservationRules;
    policy: PolicyRules;
    at: Date;
    intentWindowMs: number;
    channelsOf: (customerId: string) => Channel[];
  },
): { items: BatchItem[]; decided: Decided[] } {
  const byCustomer = new Map<string, LedgerRow[]>();
  for (const row of ledger) {
    const rows = byCustomer.get(row.customerId) ?? [];
    rows.push(row);
    byCustomer.set(row.customerId, rows);
  }
  const items: BatchItem[] = [];
  const decided: Decided[] = [];
  for (const customerId of ids) {
    const rows = contacts.get(customerId);
    const contact = rows && contactOf(customerId, rows);
    const key = broadcastDedupKey(broadcast.id, customerId);
    const earlier = byCustomer.get(customerId)?.find((row) => row.dedupKey === key);
    // A row deferred to the customer's window is decided again once the window has come.
    if (earlier && !isDue(earlier, now.at)) {
      items.push({ customerId, kind: 'existing', row: earlier, contact });
      continue;
    }
    const mergedInto = rows?.[0][0]?.mergedIntoId;
    if (!contact || mergedInto) {
      const reason = mergedInto ? `customer merged into ${mergedInto}` : 'customer not found';
      decided.push({ customerId, decision: { kind: 'skip', reason, capsHit: [] } });
      continue;
    }
    const decision = decideDelivery({
      policy: broadcastPolicy(broadcast, customerId, now.intentWindowMs, now.channelsOf(customerId)),
      contact: contactFacts(contact, now.channelsOf(customerId)),
      recent: (byCustomer.get(customerId) ?? []).filter((row) => row !== earlier),
      runStatus: undefined,
      at: now.at,
      configured: now.rules.configured,
      caps: now.policy.caps,
      quietHours: now.policy.quietHours,
      defaultTimeZone: now.rules.defaultTimeZone,
    });
    for (const rule of decision.capsHit) capsHit.inc({ rule, policy: 'skip' });
    decided.push({ customerId, decision, contact });
  }
  return { items, decided };
}
