import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { consents, customers, identities, pushSubscriptions } from '../db/schema.js';
import { canonicalCustomerId } from '../customers/resolve-customer.js';
import { setConsent } from '../customers/set-consent.js';
import type { Queryable } from '../db/queryable.js';
import type { Channel } from '../domain/channels.js';
import { consentRefusal, type ContactFacts } from '../domain/delivery-decision.js';
import { deliveryAddresses } from '../domain/delivery-address.js';
import { phoneCountry } from '../domain/identity-keys.js';
import { isValidTimeZone } from '../domain/local-time.js';
import { zoneForCountry } from '../domain/quiet-hours.js';
import type { ChannelFailure } from './channel-adapter.js';
import type { DeadAddress } from './channels/channel-module.js';
import { channelModules, type RecipientOf } from './channels/index.js';
import { pushEndpointRefused } from './push-endpoints.js';

/** Everything the pipeline needs to know about reaching one customer. */
export interface CustomerContact {
  customerId: string;
  profile: { traits: Record<string, unknown>; orderCount: number; lifetimeValue: number; lastOrder: unknown };
  cart: unknown;
  /** The profile's locale (`de-CH`): which template variant it gets. */
  locale?: string;
  /** Profile zone, else the phone number's country, else undefined (the workspace default applies). */
  timeZone: string | undefined;
  consent: Partial<Record<Channel, 'subscribed' | 'unsubscribed' | 'never_asked'>>;
  emails: string[];
  phones: string[];
  pushSubscriptions: { endpoint: string; keys: { p256dh: string; auth: string } }[];
}

export async function loadCustomerContact(
  db: Queryable,
  customerId: string,
): Promise<CustomerContact | undefined> {
  const id = (await canonicalCustomerId(db, customerId)) ?? customerId;
  return contactOf(id, await Promise.all(contactReads(db, id)));
}

/**
 * The reads behind a contact for an already canonical id. Issued together they go out in one
 * round trip (postgres.js pipelines a connection's queries), so callers can batch them with theirs.
 */
export function contactReads(db: Queryable, id: string) {
  return contactReadsWhere(db, (column) => eq(column, id));
}

/** The same reads for many canonical ids at once (a broadcast's batch): four statements, not four per id. */
export function contactReadsMany(db: Queryable, ids: readonly string[]) {
  const list = JSON.stringify(ids);
  return contactReadsWhere(
    db,
    (column) => sql`${column} in (select (jsonb_array_elements_text(${list}::jsonb))::uuid)`,
  );
}

function contactReadsWhere(db: Queryable, idIs: (column: AnyPgColumn) => SQL) {
  return [
    db.select().from(customers).where(idIs(customers.id)),
    db.select().from(identities).where(idIs(identities.customerId)),
    db.select().from(consents).where(idIs(consents.customerId)),
    db.select().from(pushSubscriptions).where(idIs(pushSubscriptions.customerId)),
  ] as const;
}

/** The many-id reads' rows split per customer, in the shape `contactOf` takes. */
export function contactRowsById(rows: ContactRows): Map<string, ContactRows> {
  const [customerRows, ids, consentRows, subscriptions] = rows;
  const byId = new Map<string, ContactRows>(customerRows.map((row) => [row.id, [[row], [], [], []]]));
  for (const row of ids) byId.get(row.customerId)?.[1].push(row);
  for (const row of consentRows) byId.get(row.customerId)?.[2].push(row);
  for (const row of subscriptions) byId.get(row.customerId)?.[3].push(row);
  return byId;
}

export type ContactRows = [
  (typeof customers.$inferSelect)[],
  (typeof identities.$inferSelect)[],
  (typeof consents.$inferSelect)[],
  (typeof pushSubscriptions.$inferSelect)[],
];

export function contactOf(
  id: string,
  [[row], ids, consentRows, subscriptions]: ContactRows,
): CustomerContact | undefined {
  if (!row) return undefined;
  const phones = deliveryAddresses(ids, 'phone');
  const profileZone = row.timeZone && isValidTimeZone(row.timeZone) ? row.timeZone : undefined;
  const phoneZone = phones[0] ? zoneForCountry(phoneCountry(phones[0])) : undefined;
  return {
    customerId: id,
    profile: {
      traits: row.traits,
      orderCount: row.orderCount,
      lifetimeValue: row.lifetimeValue,
      lastOrder: row.lastOrder ?? null,
    },
    cart: row.cart ?? null,
    locale: row.locale ?? undefined,
    timeZone: profileZone ?? phoneZone,
    consent: Object.fromEntries(consentRows.map((c) => [c.channel, c.status])),
    emails: deliveryAddresses(ids, 'email'),
    phones,
    // Sent only to an allowed push service: a row stored before the allow-list, or under another
    // PUSH_ALLOWED_HOSTS, is not a recipient (domain/push-endpoint.ts).
    pushSubscriptions: subscriptions
      .filter((s) => (!s.expiresAt || s.expiresAt > new Date()) && !pushEndpointRefused(s.endpoint))
      .map((s) => ({ endpoint: s.endpoint, keys: { p256dh: s.p256dh, auth: s.auth } })),
  };
}

/** The recipient on a channel, or why there is none: consent first, then the channel's address. */
export function recipientOn<C extends Channel>(
  contact: CustomerContact,
  channel: C,
): RecipientOf<C> | string {
  return consentRefusal(channel, contact.consent[channel]) ?? channelModules[channel].recipient(contact);
}

/** What the send decision knows of the customer on the channels a step lists. */
export function contactFacts(contact: CustomerContact, channels: readonly Channel[]): ContactFacts {
  const noAddress: ContactFacts['noAddress'] = {};
  for (const channel of channels) {
    const recipient = channelModules[channel].recipient(contact);
    if (typeof recipient === 'string') noAddress[channel] = recipient;
  }
  return { consent: contact.consent, noAddress, timeZone: contact.timeZone };
}

/**
 * What a provider's refusal says about the customer: an unreachable address is marked (a push
 * subscription goes, an email or phone is flagged); an unsubscribe withdraws the channel's consent.
 */
export async function learnFromFailure<C extends Channel>(
  db: Queryable,
  customerId: string,
  channel: C,
  recipient: RecipientOf<C>,
  failure: ChannelFailure,
): Promise<void> {
  const dead = failure.kind === 'unreachable' ? channelModules[channel].deadAddress?.(recipient) : undefined;
  if (dead) await markUnreachable(db, customerId, dead, failure.message);
  if (failure.kind === 'unsubscribed') {
    const source = `provider:${channel}` as const;
    await setConsent(db, { customerId, channel, status: 'unsubscribed', source, at: new Date() });
  }
}

async function markUnreachable(db: Queryable, customerId: string, address: DeadAddress, reason: string) {
  if ('pushEndpoint' in address) {
    await db.delete(pushSubscriptions).where(eq(pushSubscriptions.endpoint, address.pushEndpoint));
    await db
      .delete(identities)
      .where(and(eq(identities.kind, 'push_endpoint'), eq(identities.value, address.pushEndpoint)));
    return;
  }
  await db
    .update(identities)
    .set({ unreachableAt: new Date(), unreachableReason: reason })
    .where(
      and(
        eq(identities.customerId, customerId),
        eq(identities.kind, address.identity),
        eq(identities.value, address.value),
      ),
    );
}
