import { and, eq, inArray, isNotNull, or, sql } from 'drizzle-orm';
import { customers, identities } from '../db/schema.js';
import { identityKeyString, type IdentityKey } from '../domain/identity-keys.js';
import { mergePlan, splitClaims, type Trust } from '../domain/merge-plan.js';
import { mergeCustomers } from './merge-customers.js';
import type { Queryable } from '../db/queryable.js';

export interface ResolveRequest {
  keys: IdentityKey[];
  /**
   * `alias`: the caller asserts that every key is the same person (Segment `alias`), so even
   * two known customers merge. Otherwise two customers with different userIds never merge.
   */
  mode: 'resolve' | 'alias';
  /** Who sent it (domain/merge-plan.ts): what it does not vouch for is recorded unverified. Unset: server. */
  trust?: Trust;
}

export interface Resolution {
  customerId: string;
  created: boolean;
  /** Customers folded into `customerId` by this call. */
  merged: string[];
  /** Vouched keys that belong to another known customer and were left with them. */
  conflicts: IdentityKey[];
  /** Keys the sender named but does not vouch for: recorded unverified when nobody had them. */
  unverified: IdentityKey[];
}

type OwnerRow = { customerId: string; kind: IdentityKey['kind']; value: string; verifiedAt: Date | null };

/**
 * Finds (or creates) the one customer these identities point at, merging profiles as the
 * rules in the README say. Runs inside the caller's transaction and holds an advisory lock per
 * identity (taken in a fixed order), so concurrent events for the same person resolve to the
 * same customer instead of creating two.
 */
export async function resolveCustomer(tx: Queryable, request: ResolveRequest): Promise<Resolution> {
  const keys = request.keys;
  if (keys.length === 0) throw new Error('resolveCustomer needs at least one identity');
  const { vouched, claimed } = splitClaims(keys, request.trust);
  const owned = await lockAndReadOwners(tx, keys);
  const rowOf = (key: IdentityKey) => owned.find((row) => row.kind === key.kind && row.value === key.value);
  // Only a verified identity owns its key for resolution: an unverified claim decides nothing.
  const ownerOf = (key: IdentityKey) => {
    const row = rowOf(key);
    return row?.verifiedAt ? row.customerId : undefined;
  };
  const candidates = [...new Set(vouched.map(ownerOf).filter((id) => id !== undefined))];
  const [known, oldest] =
    candidates.length === 0
      ? [[], []]
      : await Promise.all([
          tx
            .selectDistinct({ customerId: identities.customerId })
            .from(identities)
            .where(
              and(
                inArray(identities.customerId, candidates),
                eq(identities.kind, 'user_id'),
                isNotNull(identities.verifiedAt),
              ),
            ),
          tx
            .select({ id: customers.id })
            .from(customers)
            .where(inArray(customers.id, candidates))
            .orderBy(customers.createdAt, customers.id)
            .for('update'),
        ]);
  const plan = mergePlan({
    keys: vouched,
    mode: request.mode,
    ownerOf,
    candidates,
    knownIds: new Set(known.map((row) => row.customerId)),
    oldestFirst: oldest.map((row) => row.id),
  });
  // Nothing vouched for (a public key sending a bare userId): the profile its earlier claims made.
  const claimedUser = claimed.find((key) => key.kind === 'user_id');
  const claimRow = vouched.length === 0 && claimedUser ? rowOf(claimedUser) : undefined;
  let survivor = plan.survivor ?? (claimRow?.verifiedAt === null ? claimRow.customerId : undefined);

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
  const conflicts = vouched.filter((key) => {
    const owner = ownerOf(key);
    return owner !== undefined && !finalOwners.has(owner);
  });
  await recordIdentities(tx, survivor, { vouched, claimed, rowOf });
  return { customerId: survivor, created, merged, conflicts, unverified: claimed };
}

/** The identity locks (in a fixed order) and the owners' read, in one round trip. */
async function lockAndReadOwners(tx: Queryable, keys: IdentityKey[]): Promise<OwnerRow[]> {
  const owners = tx
    .select({
      customerId: identities.customerId,
      kind: identities.kind,
      value: identities.value,
      verifiedAt: identities.verifiedAt,
    })
    .from(identities)
    .where(or(...keys.map((key) => and(eq(identities.kind, key.kind), eq(identities.value, key.value)))));
  const locks = keys
    .map(identityKeyString)
    .sort()
    .map((text) => tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${text}, 0))`));
  // Postgres runs the read once every lock is held.
  return (await Promise.all([...locks, owners])).at(-1) as OwnerRow[];
}

/**
 * Keys nobody had are recorded: verified when vouched for, unverified when merely claimed. A vouched
 * key that only an unverified claim held moves to the survivor and is verified: a claim made first
 * by someone else never keeps an identity from its owner.
 */
async function recordIdentities(
  tx: Queryable,
  customerId: string,
  {
    vouched,
    claimed,
    rowOf,
  }: { vouched: IdentityKey[]; claimed: IdentityKey[]; rowOf: (key: IdentityKey) => OwnerRow | undefined },
): Promise<void> {
  const now = new Date();
  const fresh = [
    ...vouched.filter((key) => !rowOf(key)).map((key) => ({ ...key, customerId, verifiedAt: now })),
    ...claimed.filter((key) => !rowOf(key)).map((key) => ({ ...key, customerId, verifiedAt: null })),
  ];
  if (fresh.length > 0) await tx.insert(identities).values(fresh).onConflictDoNothing();
  const taken = vouched.filter((key) => rowOf(key) && !rowOf(key)?.verifiedAt);
  if (taken.length === 0) return;
  await tx
    .update(identities)
    .set({ customerId, verifiedAt: now, mergedFromId: null })
    .where(or(...taken.map((key) => and(eq(identities.kind, key.kind), eq(identities.value, key.value)))));
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

/** The customers folded into `id`, ever. */
export async function customersMergedInto(tx: Queryable, id: string): Promise<string[]> {
  const rows = await tx.select({ id: customers.id }).from(customers).where(eq(customers.mergedIntoId, id));
  return rows.map((row) => row.id);
}
