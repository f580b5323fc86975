import { and, eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { customers, events, identities } from '../../db/schema.js';

type IdentityKind = (typeof identities.$inferSelect)['kind'];

/** How many events, customers and identities exist: "nothing written" is these unchanged. */
export async function rowCounts(db: Database) {
  return {
    events: (await db.select().from(events)).length,
    customers: (await db.select().from(customers)).length,
    identities: (await db.select().from(identities)).length,
  };
}

/** The customer holding an identity, or undefined. */
export async function ownerOf(db: Database, kind: IdentityKind, value: string): Promise<string | undefined> {
  const [row] = await db
    .select({ customerId: identities.customerId })
    .from(identities)
    .where(and(eq(identities.kind, kind), eq(identities.value, value)));
  return row?.customerId;
}
