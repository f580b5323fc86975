import { asc, desc, eq } from 'drizzle-orm';
import { consents, customers, identities, pushSubscriptions } from '../db/schema.js';
import type { Cart, LastOrder } from '../domain/commerce.js';
import type { Queryable } from '../db/queryable.js';

export interface CustomerView {
  id: string;
  /** Customers that were folded into this one. */
  mergedFrom: string[];
  traits: Record<string, unknown>;
  timeZone: string | null;
  locale: string | null;
  cart: Cart | null;
  orderCount: number;
  lifetimeValue: number;
  lastOrder: LastOrder | null;
  lastSeenAt: string | null;
  createdAt: string;
  /**
   * `verifiedAt` null: claimed by a client key only (never an address); `mergedFrom`: the customer a
   * merge brought it from.
   */
  identities: {
    kind: string;
    value: string;
    unreachable: string | null;
    verifiedAt: string | null;
    mergedFrom: string | null;
  }[];
  consents: { channel: string; status: string; source: string; updatedAt: string }[];
  pushSubscriptions: { endpoint: string; createdAt: string }[];
}

/** The 360 view of one customer (the canonical one, if `id` was merged away). */
export async function loadCustomerView(db: Queryable, id: string): Promise<CustomerView | undefined> {
  const [first] = await db.select().from(customers).where(eq(customers.id, id));
  if (!first) return undefined;
  const canonicalId = first.mergedIntoId ?? first.id;
  const [row] =
    canonicalId === first.id
      ? [first]
      : await db.select().from(customers).where(eq(customers.id, canonicalId));
  if (!row) return undefined;
  const [merged, ids, consentRows, subscriptions] = await Promise.all([
    db
      .select({ id: customers.id })
      .from(customers)
      .where(eq(customers.mergedIntoId, canonicalId))
      .orderBy(asc(customers.createdAt)),
    db
      .select()
      .from(identities)
      .where(eq(identities.customerId, canonicalId))
      .orderBy(asc(identities.kind), asc(identities.id)),
    db.select().from(consents).where(eq(consents.customerId, canonicalId)).orderBy(asc(consents.channel)),
    db
      .select()
      .from(pushSubscriptions)
      .where(eq(pushSubscriptions.customerId, canonicalId))
      .orderBy(desc(pushSubscriptions.createdAt)),
  ]);
  return {
    id: row.id,
    mergedFrom: merged.map((m) => m.id),
    traits: row.traits,
    timeZone: row.timeZone,
    locale: row.locale,
    cart: row.cart ?? null,
    orderCount: row.orderCount,
    lifetimeValue: row.lifetimeValue,
    lastOrder: row.lastOrder ?? null,
    lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    identities: ids.map((i) => ({
      kind: i.kind,
      value: i.value,
      unreachable: i.unreachableReason,
      verifiedAt: i.verifiedAt?.toISOString() ?? null,
      mergedFrom: i.mergedFromId,
    })),
    consents: consentRows.map((c) => ({
      channel: c.channel,
      status: c.status,
      source: c.source,
      updatedAt: c.updatedAt.toISOString(),
    })),
    pushSubscriptions: subscriptions.map((s) => ({
      endpoint: s.endpoint,
      createdAt: s.createdAt.toISOString(),
    })),
  };
}
