import { eq } from 'drizzle-orm';
import { customers } from '../db/schema.js';
import type { Queryable } from '../db/queryable.js';
import { canonicalCustomerId } from './resolve-customer.js';

/** The profile as conditions see it (`profile.traits.plan`, `profile.orderCount`, …). */
export interface ProfileSnapshot {
  customerId: string;
  traits: Record<string, unknown>;
  timeZone: string | null;
  locale: string | null;
  orderCount: number;
  lifetimeValue: number;
  cart: unknown;
  lastOrder: unknown;
}

export async function loadProfileSnapshot(
  db: Queryable,
  customerId: string,
): Promise<ProfileSnapshot | null> {
  const id = (await canonicalCustomerId(db, customerId)) ?? customerId;
  const [row] = await db.select().from(customers).where(eq(customers.id, id));
  if (!row) return null;
  return {
    customerId: row.id,
    traits: row.traits,
    timeZone: row.timeZone,
    locale: row.locale,
    orderCount: row.orderCount,
    lifetimeValue: row.lifetimeValue,
    cart: row.cart ?? null,
    lastOrder: row.lastOrder ?? null,
  };
}
