import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { customers, events } from '../db/schema.js';
import type { Database } from '../db/client.js';
import { commerceOf } from './merge-customers.js';
import { correctedTimestamp } from '../domain/event-time.js';
import { identityKeysOf, identityKeyString, type IdentityKey } from '../domain/identity-keys.js';
import type { SegmentMessage } from '../domain/segment-message.js';
import type { Trust } from '../domain/merge-plan.js';
import { pipelinedTransaction, type PipelinedTx } from '../db/pipelined-transaction.js';
import { eventName, eventRow } from './event-row.js';
import { idsByMessageId, insertEvents, insertedRow, type InsertedEvent } from './insert-events.js';
import { commitStored, storePlan } from './store-hook.js';
import { ignoredOf } from './ignored-claims.js';
import {
  commerceEventNames,
  type Ignored,
  profileUpdate,
  type IngestOptions,
  type IngestOutcome,
  type Profile,
} from './ingest-message.js';
import { resolveCustomer } from './resolve-customer.js';
import { toStoredEvent, type RoutedCustomer, type StoredEvent } from './stored-event.js';

type Row = typeof events.$inferSelect;
type EventInsert = typeof events.$inferInsert;

/**
 * The identity keys shared by every message of `messages`, when they may be stored together: the
 * same keys and trust, and calls that change only what a fold of the profile can (no identify, no
 * alias, no commerce event). Undefined otherwise: each message takes ingestMessage's path.
 */
export function sharedIdentity(
  messages: readonly SegmentMessage[],
  trusts: readonly (Trust | undefined)[],
  defaultPhoneCountry?: string,
): IdentityKey[] | undefined {
  let shared: { keys: IdentityKey[]; text: string; trust: unknown } | undefined;
  for (const [index, message] of messages.entries()) {
    if (message.type === 'identify' || message.type === 'alias') return undefined;
    if (message.type === 'track' && commerceEventNames.has(message.event)) return undefined;
    const keys = identityKeysOf({ ...message, traits: undefined }, defaultPhoneCountry);
    const text = keys.map(identityKeyString).sort().join('\n');
    const trust = trusts[index];
    if (keys.length === 0 || (shared && (shared.text !== text || shared.trust !== trust))) return undefined;
    shared ??= { keys, text, trust };
  }
  return shared?.keys;
}

/**
 * Stores messages of one person (sharedIdentity) in one transaction of four round trips whatever
 * their number, instead of five or six each: the messageId locks, the stored copies and identity
 * resolution's locks and owners; resolution's candidates; the profile locked once; then one profile
 * update folding every new message, one multi-row event insert and COMMIT. Outcomes come in input order;
 * a messageId seen earlier (stored, or earlier in the same group) is a duplicate.
 */
export async function ingestGroup(
  db: Database,
  messages: readonly SegmentMessage[],
  keys: IdentityKey[],
  options: IngestOptions,
): Promise<IngestOutcome[]> {
  const ids = messages.map((message) => message.messageId ?? `omnijourney-${randomUUID()}`);
  const result = await pipelinedTransaction(db, async (pipelined) => {
    const { db: tx, batch } = pipelined;
    // One statement for every messageId lock, in a fixed order (as ingestMessage takes them one by one).
    const locks = JSON.stringify([...new Set(ids)].map((id) => `message:${id}`).sort());
    const lookup = batch(
      tx.execute(
        sql`select pg_advisory_xact_lock(hashtextextended(k, 0)) from jsonb_array_elements_text(${locks}::jsonb) as k`,
      ),
      tx
        .select()
        .from(events)
        .where(sql`${events.messageId} in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`),
    );
    // Resolution's first statements go out right behind, in the same round trip (a retried batch's
    // copies resolve again: the same customer, nothing written). Its failure is awaited below.
    lookup.catch(() => undefined);
    const resolution = await resolveCustomer(tx, { keys, mode: 'resolve', trust: options.trust });
    const [, existing] = await lookup;
    const known = new Map<string, Row>(existing.map((row) => [row.messageId, row]));
    const fresh = freshOf(messages, ids, known, options);
    if (fresh.length === 0) return { known, stored: [] };
    const customerId = resolution.customerId;
    const [[locked]] = await batch(
      tx.select().from(customers).where(eq(customers.id, customerId)).for('update'),
    );
    if (!locked) throw new Error(`customer ${customerId} vanished during ingest`);
    const update = foldedUpdate(locked, fresh);
    const merged = resolution.merged.length > 0;
    const { stored, caused } = await writeGroup(pipelined, { fresh, customerId, update, merged }, options);
    const acceptConsent = options.acceptConsent ?? (options.trust ?? 'server') === 'server';
    const ignored = ignoredOf(acceptConsent, undefined, resolution.unverified);
    return {
      known,
      stored: stored.map((row, index) => ({
        row,
        customer: {
          id: customerId,
          created: index === 0 && resolution.created,
          mergedFrom: index === 0 ? resolution.merged : [],
        },
        ignored,
        caused: index === 0 ? caused : [],
      })),
    };
  });
  return outcomesOf(ids, result);
}

/**
 * The profile update and the group's events, committed with what the store hook writes for the
 * events it handles. After a merge the router routes the group (it reconciles runs first), so the
 * hook stands aside; otherwise routing is left for what it did not handle.
 */
async function writeGroup(
  pipelined: PipelinedTx,
  group: { fresh: readonly Fresh[]; customerId: string; update: Partial<Profile>; merged: boolean },
  options: IngestOptions,
): Promise<{ stored: Row[]; caused: StoredEvent[] }> {
  const { db: tx } = pipelined;
  const { fresh, customerId, update, merged } = group;
  const routedAt = new Date();
  const plans = fresh.map((item, index) => ({
    ...item,
    ...storePlan(
      options,
      { type: item.message.type, name: eventName(item.message) },
      merged,
      index === 0 && merged,
    ),
  }));
  const hook = plans.find((plan) => plan.hook)?.hook;
  const rows = plans.map(({ message, messageId, occurredAt, needsRouting }) =>
    eventRow(
      message,
      { messageId, customerId },
      { occurredAt, receivedAt: options.receivedAt, routedAt: needsRouting ? null : routedAt },
    ),
  );
  const written = [
    tx.update(customers).set(update).where(eq(customers.id, customerId)),
    insertEvents(tx, rows),
  ] as const;
  const { answers, caused } = await commitStored(
    pipelined,
    written,
    hook
      ? {
          hook,
          customerId,
          handled: rows.filter((_, index) => plans[index]?.hook),
        }
      : undefined,
  );
  return { stored: storedRows(rows, answers[1], options.receivedAt), caused };
}

/** The inserted rows, in the order given (the messageId locks keep another copy out meanwhile). */
function storedRows(
  rows: readonly EventInsert[],
  inserted: Iterable<InsertedEvent>,
  receivedAt: Date,
): Row[] {
  const idOf = idsByMessageId(inserted);
  return rows.map((row) => {
    const id = idOf.get(row.messageId);
    if (id === undefined) throw new Error(`event ${row.messageId} was not inserted`);
    return insertedRow(row, id, receivedAt);
  });
}

type Fresh = { message: SegmentMessage; messageId: string; occurredAt: Date };

/** The messages not stored yet, each once (a messageId repeated in the group is stored once). */
function freshOf(
  messages: readonly SegmentMessage[],
  ids: readonly string[],
  known: ReadonlyMap<string, Row>,
  options: IngestOptions,
): Fresh[] {
  return messages.flatMap((message, index) => {
    const messageId = ids[index] ?? '';
    if (known.has(messageId) || ids.indexOf(messageId) !== index) return [];
    const occurredAt = correctedTimestamp({
      timestamp: message.timestamp ?? message.originalTimestamp,
      sentAt: message.sentAt,
      receivedAt: options.receivedAt,
      maxSkewMs: options.maxClockSkewMs,
    });
    return [{ message, messageId, occurredAt }];
  });
}

/** The profile update after every new message in turn (zone, locale, last seen): one statement. */
function foldedUpdate(locked: Profile, fresh: readonly Fresh[]): Partial<Profile> {
  let profile = locked;
  let update: Partial<Profile> = {};
  for (const { message, occurredAt } of fresh) {
    update = profileUpdate(profile, commerceOf(profile), message, occurredAt);
    profile = { ...profile, ...update };
  }
  return update;
}

/** Each message's outcome, in input order. */
function outcomesOf(
  ids: readonly string[],
  result: {
    known: ReadonlyMap<string, Row>;
    stored: { row: Row; customer: RoutedCustomer; ignored: Ignored[]; caused: StoredEvent[] }[];
  },
): IngestOutcome[] {
  const storedBy = new Map(result.stored.map((item) => [item.row.messageId, item]));
  return ids.map((messageId, index): IngestOutcome => {
    const item = storedBy.get(messageId);
    if (item && ids.indexOf(messageId) === index)
      return {
        outcome: 'stored',
        event: toStoredEvent(item.row),
        customer: item.customer,
        ignored: item.ignored,
        routed: item.row.routedAt !== null,
        caused: item.caused,
      };
    const row = result.known.get(messageId) ?? item?.row;
    if (!row) throw new Error(`event ${messageId} neither stored nor found`);
    // A copy later in the same group: the first one's routing covers it.
    return {
      outcome: 'duplicate',
      event: toStoredEvent(row),
      routed: item !== undefined || row.routedAt !== null,
    };
  });
}
