import { and, eq, inArray, or, sql } from 'drizzle-orm';
import { customers, identities } from '../db/schema.js';
import { identityKeyString, type IdentityKey } from '../domain/identity-keys.js';
import { mergePlan, type Trust } from '../domain/merge-plan.js';
import { mergeCustomers } from './merge-customers.js';
import type { Queryable } from '../db/queryable.js';

export interface ResolveRequest {
  keys: IdentityKey[];
  /**
   * `alias`: the caller asserts that every key is the same person (Segment `alias`), so even
   * two known customers merge. Otherwise two customers with different userIds never merge.
   */
  mode: 'resolve' | 'alias';
  /** `client`: keys owned by another customer than the sender's own are not claimed, nothing merges. */
  trust?: Trust;
}

export interface Resolution {
  customerId: string;
  created: boolean;
  /** Customers folded into `customerId` by this call. */
  merged: string[];
  /** Keys that belong to another known customer and were left with them. */
  conflicts: IdentityKey[];
}

/**
 * Finds (or creates) the one customer these identities point at, merging profiles as the
 * rules in the README say. Runs inside the caller's transaction and holds an advisory lock per
 * identity (taken in a fixed order), so concurrent events for the same person resolve to the
 * same customer instead of creating two.
 */
export async function resolveCustomer(tx: Queryable, request: ResolveRequest): Promise<Resolution> {
  const keys = request.keys;
  if (keys.length === 0) throw new Error('resolveCustomer needs at least one identity');
  // The identity locks (in a fixed order) and the owners' read go out together: one round trip,
  // and Postgres runs the read once every lock is held.
  const owners = tx
    .select({ customerId: identities.customerId, kind: identities.kind, value: identities.value })
    .from(identities)
    .where(or(...keys.map((key) => and(eq(identities.kind, key.kind), eq(identities.value, key.value)))));
  const locks = keys
    .map(identityKeyString)
    .sort()
    .map((text) => tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${text}, 0))`));
  const owned = (await Promise.all([...locks, owners])).at(-1) as Awaited<typeof owners>;
  const ownerOf = (key: IdentityKey) =>
    owned.find((row) => row.kind === key.kind && row.value === key.value)?.customerId;

  const candidates = [...new Set(owned.map((row) => row.customerId))];
  const [known, oldest] =
    candidates.length === 0
      ? [[], []]
      : await Promise.all([
          tx
            .selectDistinct({ customerId: identities.customerId })
            .from(identities)
            .where(and(inArray(identities.customerId, candidates), eq(identities.kind, 'user_id'))),
          tx
            .select({ id: customers.id })
            .from(customers)
            .where(inArray(customers.id, candidates))
            .orderBy(customers.createdAt, customers.id)
            .for('update'),
        ]);
  const plan = mergePlan({
    keys,
    mode: request.mode,
    ownerOf,
    candidates,
    knownIds: new Set(known.map((row) => row.customerId)),
    oldestFirst: oldest.map((row) => row.id),
    trust: request.trust,
  });
  let survivor = plan.survivor;

  let created = false;
  if (!survivor) {
    const [row] = await tx.insert(customers).values({}).returning({ id: customers.id });
    if (!row) throw new Error('customer insert returned nothing');
    survivor = row.id;
    created = true;
  }
  const merged = plan.toMerge.filter((id) => id !== survivor);
  await mergeCustomers(tx, survivor, merged);

  const finalOwners = new Set([survivor, ...merged]);
  const conflicts = keys.filter((key) => {
    const owner = ownerOf(key);
    return owner !== undefined && !finalOwners.has(owner);
  });
  const missing = keys.filter((key) => ownerOf(key) === undefined);
  if (missing.length > 0) {
    await tx
      .insert(identities)
      .values(missing.map((key) => ({ customerId: survivor, kind: key.kind, value: key.value })))
      .onConflictDoNothing();
  }
  return { customerId: survivor, created, merged, conflicts };
}

/** The customer an identity points at, or undefined. */
export async function findCustomerByIdentity(tx: Queryable, key: IdentityKey): Promise<string | undefined> {
  const [row] = await tx
    .select({ customerId: identities.customerId })
    .from(identities)
    .where(and(eq(identities.kind, key.kind), eq(identities.value, key.value)));
  return row?.customerId;
}

/** Follows merges to the customer that holds everything now. */
export async function canonicalCustomerId(tx: Queryable, id: string): Promise<string | undefined> {
  const [row] = await tx
    .select({ id: customers.id, mergedIntoId: customers.mergedIntoId })
    .from(customers)
    .where(eq(customers.id, id));
  if (!row) return undefined;
  return row.mergedIntoId ?? row.id;
}
