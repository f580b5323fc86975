import { eq } from 'drizzle-orm';
import { consents, customers, identities, pushSubscriptions } from '../db/schema.js';
import { canonicalCustomerId } from '../customers/resolve-customer.js';
import type { Queryable } from '../db/queryable.js';
import type { Channel } from '../domain/channels.js';
import { phoneCountry } from '../domain/identity-keys.js';
import { isValidTimeZone } from '../domain/local-time.js';
import { zoneForCountry } from '../domain/quiet-hours.js';
import type { Recipient } from './channel-adapter.js';

/** Everything the pipeline needs to know about reaching one customer. */
export interface CustomerContact {
  customerId: string;
  profile: { traits: Record<string, unknown>; orderCount: number; lifetimeValue: number; lastOrder: unknown };
  cart: unknown;
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
  return [
    db.select().from(customers).where(eq(customers.id, id)),
    db.select().from(identities).where(eq(identities.customerId, id)),
    db.select().from(consents).where(eq(consents.customerId, id)),
    db.select().from(pushSubscriptions).where(eq(pushSubscriptions.customerId, id)),
  ] as const;
}

type ContactRows = [
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
  const reachable = (kind: 'email' | 'phone') =>
    ids.filter((i) => i.kind === kind && !i.unreachableAt).map((i) => i.value);
  const phones = reachable('phone');
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
    timeZone: profileZone ?? phoneZone,
    consent: Object.fromEntries(consentRows.map((c) => [c.channel, c.status])),
    emails: reachable('email'),
    phones,
    pushSubscriptions: subscriptions
      .filter((s) => !s.expiresAt || s.expiresAt > new Date())
      .map((s) => ({ endpoint: s.endpoint, keys: { p256dh: s.p256dh, auth: s.auth } })),
  };
}

/**
 * The recipient on a channel, or why there is none. Consent wins over everything: an unsubscribed
 * channel is never used; SMS needs an explicit subscription; email and push need no refusal.
 */
export function recipientOn(contact: CustomerContact, channel: Channel): Recipient | string {
  const consent = contact.consent[channel];
  if (consent === 'unsubscribed') return `${channel} unsubscribed`;
  switch (channel) {
    case 'email':
      return contact.emails[0] ? { channel, email: contact.emails[0] } : 'no reachable email address';
    case 'sms':
      if (consent !== 'subscribed') return 'no SMS consent';
      return contact.phones[0] ? { channel, phone: contact.phones[0] } : 'no reachable phone number';
    case 'push':
      return contact.pushSubscriptions[0]
        ? { channel, subscription: contact.pushSubscriptions[0] }
        : 'no push subscription';
    case 'webhook':
      return { channel, customerId: contact.customerId };
  }
}
