import { randomUUID } from 'node:crypto';
import { and, asc, eq, gt, inArray, or, sql } from 'drizzle-orm';
import { customers, events, identities } from '../db/schema.js';
import type { Database } from '../db/client.js';
import { applyCommerceEvent, commerceEvents, emptyCommerce, type CommerceState } from '../domain/commerce.js';
import { consentFromTraits } from '../domain/consent-traits.js';
import { correctedTimestamp } from '../domain/event-time.js';
import { identityKeysOf, type IdentityKey } from '../domain/identity-keys.js';
import type { SegmentMessage } from '../domain/segment-message.js';
import type { Trust } from '../domain/merge-plan.js';
import { mergeTraits } from '../domain/traits.js';
import { eventName, eventRow, type RoutingInterest } from './event-row.js';
import { toStoredEvent, type RoutedCustomer, type StoredEvent } from './stored-event.js';
import { commitStored, storePlan, type StoreHook } from './store-hook.js';
import { commerceOf } from './merge-customers.js';
import { resolveCustomer } from './resolve-customer.js';
import { setConsent } from './set-consent.js';
import type { Queryable } from '../db/queryable.js';
import { pipelinedTransaction, type PipelinedTx } from '../db/pipelined-transaction.js';
import { channels } from '../domain/channels.js';
import { ignoredOf, type Ignored } from './ignored-claims.js';

export type { Ignored };

export type IngestOutcome =
  | {
      outcome: 'stored';
      event: StoredEvent;
      customer: RoutedCustomer;
      ignored: Ignored[];
      /** Stored as routed: no journey listens to it (`needsRouting`), nothing is left to route. */
      routed: boolean;
      /** Events the store hook wrote with this one's group that still need routing (membership changes). */
      caused?: StoredEvent[];
    }
  | { outcome: 'duplicate'; event: StoredEvent; routed: boolean };

export interface IngestOptions {
  receivedAt: Date;
  /** Country for phone numbers written without a country code. */
  defaultPhoneCountry?: string;
  /** How far past receivedAt an event may be dated (INGEST_MAX_CLOCK_SKEW); unset: 5 minutes. */
  maxClockSkewMs?: number;
  /** Who sent it (domain/merge-plan.ts); unset: a server write key. */
  trust?: Trust;
  /** Whether identify's consent traits are applied; unset: only from a server write key. */
  acceptConsent?: boolean;
  /** Whether the event will be routed; one that will not is stored as routed. Unset: every event. */
  needsRouting?: RoutingInterest;
  /** Work committed with the stored events (segment membership, customers/store-hook.ts). */
  storeHook?: StoreHook;
}

/** For alias: previousId may be an old userId or an anonymousId; whichever is known. */
async function aliasKeys(
  tx: Queryable,
  message: Extract<SegmentMessage, { type: 'alias' }>,
): Promise<IdentityKey[]> {
  const previous = message.previousId;
  const [known] = await tx
    .select({ kind: identities.kind })
    .from(identities)
    .where(
      or(
        and(eq(identities.kind, 'user_id'), eq(identities.value, previous)),
        and(eq(identities.kind, 'anonymous_id'), eq(identities.value, previous)),
      ),
    )
    .orderBy(identities.kind)
    .limit(1);
  const previousKey: IdentityKey = {
    kind: known?.kind === 'user_id' ? 'user_id' : 'anonymous_id',
    value: previous,
  };
  const keys: IdentityKey[] = [{ kind: 'user_id', value: message.userId }];
  if (previousKey.kind !== 'user_id' || previousKey.value !== message.userId) keys.push(previousKey);
  if (message.anonymousId && message.anonymousId !== previous)
    keys.push({ kind: 'anonymous_id', value: message.anonymousId });
  return keys;
}

/**
 * Stores one validated message exactly once by messageId and applies it to the unified profile,
 * all in one transaction: identity resolution (and merges), traits, consent, time zone, locale,
 * and the e-commerce state. Nothing is half-written: any failure rolls the whole message back.
 */
export async function ingestMessage(
  db: Database,
  message: SegmentMessage,
  options: IngestOptions,
): Promise<IngestOutcome> {
  const messageId = message.messageId ?? `omnijourney-${randomUUID()}`;
  // Round trips: BEGIN with the messageId lock and lookup; resolution (locks with the owners' read,
  // then the candidates); the profile; then the profile update, the event insert and COMMIT together.
  return pipelinedTransaction(db, async (pipelined) => {
    const { db: tx, batch } = pipelined;
    const [, [existing]] = await batch(
      tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`message:${messageId}`}, 0))`),
      tx.select().from(events).where(eq(events.messageId, messageId)),
    );
    if (existing)
      return { outcome: 'duplicate', event: toStoredEvent(existing), routed: existing.routedAt !== null };

    const occurredAt = correctedTimestamp({
      timestamp: message.timestamp ?? message.originalTimestamp,
      sentAt: message.sentAt,
      receivedAt: options.receivedAt,
      maxSkewMs: options.maxClockSkewMs,
    });
    const traits = message.type === 'identify' ? (message.traits ?? {}) : undefined;
    const keys =
      message.type === 'alias'
        ? await aliasKeys(tx, message)
        : identityKeysOf({ ...message, traits }, options.defaultPhoneCountry);
    const resolution = await resolveCustomer(tx, {
      keys,
      mode: message.type === 'alias' ? 'alias' : 'resolve',
      trust: options.trust,
    });
    const customerId = resolution.customerId;
    const { hook, needsRouting } = storePlan(
      options,
      { type: message.type, name: eventName(message) },
      resolution.merged.length > 0,
    );
    const { profile, commerce } = await readProfile(tx, batch, customerId, message, occurredAt);
    // A client key's consent is not applied: anyone holding the page's key could set anyone's.
    const acceptConsent = options.acceptConsent ?? (options.trust ?? 'server') === 'server';
    const consent = acceptConsent ? consentFromTraits(traits) : {};
    for (const channel of channels) {
      const status = consent[channel];
      if (status) await setConsent(tx, { customerId, channel, status, source: 'identify', at: occurredAt });
    }

    const stored = eventRow(
      message,
      { messageId, customerId },
      { occurredAt, receivedAt: options.receivedAt, routedAt: needsRouting ? null : new Date() },
    );
    const { answers, caused } = await commitStored(
      pipelined,
      [
        tx
          .update(customers)
          .set(profileUpdate(profile, commerce, message, occurredAt))
          .where(eq(customers.id, customerId)),
        tx.insert(events).values(stored).returning(),
      ],
      hook && { hook, customerId, handled: [stored] },
    );
    const [, [row]] = answers;
    if (!row) throw new Error('event insert returned nothing');
    return {
      outcome: 'stored',
      event: toStoredEvent(row),
      customer: { id: customerId, created: resolution.created, mergedFrom: resolution.merged },
      ignored: ignoredOf(acceptConsent, traits, resolution.unverified),
      routed: !needsRouting,
      caused,
    };
  });
}

export type Profile = typeof customers.$inferSelect;

/**
 * The customer's row, locked for update, and the commerce state after this message. A commerce
 * event older than one already stored (out-of-order arrival) refolds the history in time order.
 */
async function readProfile(
  tx: Queryable,
  batch: PipelinedTx['batch'],
  customerId: string,
  message: SegmentMessage,
  occurredAt: Date,
): Promise<{ profile: Profile; commerce: CommerceState }> {
  const isCommerce = message.type === 'track' && commerceEventNames.has(message.event);
  const profileForUpdate = tx.select().from(customers).where(eq(customers.id, customerId)).for('update');
  // Does a commerce event that happened after this one exist already (out-of-order arrival)?
  const [[profile], later = []] = isCommerce
    ? await batch(
        profileForUpdate,
        tx
          .select({ id: events.id })
          .from(events)
          .where(
            and(
              eq(events.customerId, customerId),
              inArray(events.name, [...commerceEvents]),
              gt(events.occurredAt, occurredAt),
            ),
          )
          .limit(1),
      )
    : await batch(profileForUpdate);
  if (!profile) throw new Error(`customer ${customerId} vanished during ingest`);
  if (message.type !== 'track') return { profile, commerce: commerceOf(profile) };
  const incoming = { name: message.event, properties: message.properties ?? {}, occurredAt };
  const commerce =
    later.length > 0
      ? await refoldCommerce(tx, customerId, incoming)
      : applyCommerceEvent(commerceOf(profile), incoming);
  return { profile, commerce };
}

/** What the message changes on the profile: traits (newer wins), commerce, zone, locale, last seen. */
export function profileUpdate(
  profile: Profile,
  commerce: CommerceState,
  message: SegmentMessage,
  occurredAt: Date,
): Partial<typeof customers.$inferInsert> {
  const context = message.context ?? {};
  const merged =
    message.type === 'identify'
      ? mergeTraits(
          { traits: profile.traits, traitTimes: profile.traitTimes },
          message.traits ?? {},
          occurredAt,
        )
      : profile;
  const timeZone =
    typeof context.timezone === 'string' && context.timezone.length <= 64 ? context.timezone : undefined;
  const locale =
    typeof context.locale === 'string' && context.locale.length <= 35 ? context.locale : undefined;
  return {
    traits: merged.traits,
    traitTimes: merged.traitTimes,
    cart: commerce.cart,
    orderCount: commerce.orderCount,
    lifetimeValue: commerce.lifetimeValue,
    lastOrder: commerce.lastOrder,
    timeZone: timeZone ?? profile.timeZone,
    locale: locale ?? profile.locale,
    lastSeenAt: profile.lastSeenAt && profile.lastSeenAt > occurredAt ? profile.lastSeenAt : occurredAt,
  };
}

export const commerceEventNames: ReadonlySet<string> = new Set(commerceEvents);

/** The commerce state from every stored commerce event of the customer plus `incoming`, oldest first. */
async function refoldCommerce(
  tx: Queryable,
  customerId: string,
  incoming: { name: string; properties: Record<string, unknown>; occurredAt: Date },
): Promise<CommerceState> {
  const stored = await tx
    .select({ name: events.name, properties: events.properties, occurredAt: events.occurredAt })
    .from(events)
    .where(and(eq(events.customerId, customerId), inArray(events.name, [...commerceEvents])))
    .orderBy(asc(events.occurredAt), asc(events.id));
  const history = [...stored.map((e) => ({ ...e, name: e.name ?? '' })), incoming].sort(
    (a, b) => a.occurredAt.getTime() - b.occurredAt.getTime(),
  );
  return history.reduce(applyCommerceEvent, emptyCommerce);
}

export async function markRouted(db: Database, eventIds: number | readonly number[]): Promise<void> {
  const ids = typeof eventIds === 'number' ? [eventIds] : eventIds;
  if (ids.length === 0) return;
  await db
    .update(events)
    .set({ routedAt: new Date() })
    .where(inArray(events.id, [...ids]));
}
