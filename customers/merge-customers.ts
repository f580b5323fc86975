import { eq, inArray, sql } from 'drizzle-orm';
import { combineCommerce, type CommerceState } from '../domain/commerce.js';
import { combineTraits } from '../domain/traits.js';
import {
  consents,
  customers,
  deliveries,
  events,
  identities,
  journeyRuns,
  pushSubscriptions,
} from '../db/schema.js';
import type { Queryable } from '../db/queryable.js';
import { prevailsSql, sourceRankSql } from './consent-rank-sql.js';

type CustomerRow = typeof customers.$inferSelect;

export function commerceOf(row: CustomerRow): CommerceState {
  return {
    cart: row.cart ?? null,
    orderCount: row.orderCount,
    lifetimeValue: row.lifetimeValue,
    lastOrder: row.lastOrder ?? null,
  };
}

/**
 * Folds `loserIds` into `survivorId` inside the caller's transaction: every identity, event,
 * consent, push subscription, delivery and journey run moves, so caps and the timeline count
 * them for the survivor. Traits merge per key (newest wins), carts unite, orders add up.
 * Consent: per channel the decision that prevails (domain/consent-rank.ts) stands.
 */
export async function mergeCustomers(tx: Queryable, survivorId: string, loserIds: string[]): Promise<void> {
  const losers = loserIds.filter((id) => id !== survivorId);
  if (losers.length === 0) return;
  const rows = await tx
    .select()
    .from(customers)
    .where(inArray(customers.id, [survivorId, ...losers]))
    .orderBy(customers.id)
    .for('update');
  const survivor = rows.find((row) => row.id === survivorId);
  if (!survivor) throw new Error(`customer ${survivorId} not found for merge`);

  let traits = { traits: survivor.traits, traitTimes: survivor.traitTimes };
  let commerce = commerceOf(survivor);
  let timeZone = survivor.timeZone;
  let locale = survivor.locale;
  let lastSeenAt = survivor.lastSeenAt;
  for (const loser of rows.filter((row) => row.id !== survivorId)) {
    traits = combineTraits(traits, { traits: loser.traits, traitTimes: loser.traitTimes });
    commerce = combineCommerce(commerce, commerceOf(loser));
    timeZone ??= loser.timeZone;
    locale ??= loser.locale;
    if (loser.lastSeenAt && (!lastSeenAt || loser.lastSeenAt > lastSeenAt)) lastSeenAt = loser.lastSeenAt;
  }

  // An identity remembers the customer it came from: delivery prefers the survivor's own address.
  await tx
    .update(identities)
    .set({
      customerId: survivorId,
      mergedFromId: sql`coalesce(${identities.mergedFromId}, ${identities.customerId})`,
    })
    .where(inArray(identities.customerId, losers));
  for (const table of [events, pushSubscriptions, deliveries, journeyRuns]) {
    await tx.update(table).set({ customerId: survivorId }).where(inArray(table.customerId, losers));
  }

  await moveConsents(tx, survivorId, losers);
  await tx.delete(consents).where(inArray(consents.customerId, losers));

  await tx
    .update(customers)
    .set({
      traits: traits.traits,
      traitTimes: traits.traitTimes,
      cart: commerce.cart,
      orderCount: commerce.orderCount,
      lifetimeValue: commerce.lifetimeValue,
      lastOrder: commerce.lastOrder,
      timeZone,
      locale,
      lastSeenAt,
    })
    .where(eq(customers.id, survivorId));
  await tx
    .update(customers)
    .set({
      mergedIntoId: survivorId,
      traits: {},
      traitTimes: {},
      cart: null,
      orderCount: 0,
      lifetimeValue: 0,
      lastOrder: null,
    })
    .where(inArray(customers.id, losers));
  // Anything merged into a loser earlier now points straight at the survivor.
  await tx.update(customers).set({ mergedIntoId: survivorId }).where(inArray(customers.mergedIntoId, losers));
}

/**
 * Per channel the losers' strongest decision (rank, then time, then unsubscribe) meets the
 * survivor's, and the one that prevails stands, as in `setConsent`.
 */
async function moveConsents(tx: Queryable, survivorId: string, losers: string[]) {
  await tx.execute(sql`
    insert into consents (customer_id, channel, status, source, updated_at)
    select distinct on (channel) ${survivorId}::uuid, channel, status, source, updated_at from consents
    where customer_id in ${losers}
    order by channel, ${sourceRankSql(sql`source`)} desc, updated_at desc, (status = 'unsubscribed') desc
    on conflict (customer_id, channel) do update set
      status = excluded.status, source = excluded.source, updated_at = excluded.updated_at
    where ${prevailsSql(
      {
        rank: sourceRankSql(sql`excluded.source`),
        at: sql`excluded.updated_at`,
        status: sql`excluded.status`,
      },
      {
        rank: sourceRankSql(sql`consents.source`),
        at: sql`consents.updated_at`,
        status: sql`consents.status`,
      },
    )}`);
}
