import { identityKindsByStrength, type IdentityKey, type IdentityKind } from './identity-keys.js';

/**
 * Who sent a message. `server`: a server write key, trusted with every identity it names.
 * `user`: a client key with a signed user token for the message's userId. `client`: a client
 * (public) key alone: a web page or an app, whose claims anyone could have written.
 */
export type Trust = 'server' | 'user' | 'client';

/**
 * The identity kinds each sender vouches for. A device's anonymousId (and its push endpoint) is
 * its own whoever sends it; a token vouches for its userId, never for an email or a phone (the
 * shop's server signed the user, not the address). What a sender does not vouch for is recorded as
 * an unverified claim: never a delivery address, never a reason to merge.
 */
const vouchedKinds: Record<Trust, ReadonlySet<IdentityKind>> = {
  server: new Set(identityKindsByStrength),
  user: new Set(['user_id', 'anonymous_id', 'push_endpoint']),
  client: new Set(['anonymous_id', 'push_endpoint']),
};

/** The keys a sender vouches for, and those it merely claims. */
export function splitClaims(
  keys: readonly IdentityKey[],
  trust: Trust = 'server',
): { vouched: IdentityKey[]; claimed: IdentityKey[] } {
  const kinds = vouchedKinds[trust];
  return {
    vouched: keys.filter((key) => kinds.has(key.kind)),
    claimed: keys.filter((key) => !kinds.has(key.kind)),
  };
}

/**
 * What identity resolution knows once the identities' owners are read under their locks. Only
 * vouched keys and verified owners take part: an unverified claim never decides a merge.
 */
export interface MergeFacts {
  keys: readonly IdentityKey[];
  /** `alias`: every key is asserted to be the same person, so even two known customers merge. */
  mode: 'resolve' | 'alias';
  /** The customer that owns a key today, if any. */
  ownerOf(key: IdentityKey): string | undefined;
  /** Owners of any key, and which of them carry a userId ("known" people). */
  candidates: readonly string[];
  knownIds: ReadonlySet<string>;
  /** The candidates, oldest profile first. */
  oldestFirst: readonly string[];
}

/**
 * Which customer survives and which are folded into it. Two customers with different userIds
 * never merge unless an alias says so; an anonymous profile adopts a userId; with identities of
 * two known people and no userId to decide, the strongest key wins. `survivor` undefined: a new
 * customer is created.
 */
export function mergePlan(facts: MergeFacts): { survivor: string | undefined; toMerge: string[] } {
  const { keys, ownerOf, knownIds, oldestFirst, candidates } = facts;
  const userKey = keys.find((key) => key.kind === 'user_id');
  if (facts.mode === 'alias')
    return { survivor: (userKey && ownerOf(userKey)) ?? oldestFirst[0], toMerge: [...candidates] };
  if (userKey) {
    const anonymous = oldestFirst.filter((id) => !knownIds.has(id));
    // The userId's owner; else an anonymous profile adopts the userId; else a new customer.
    return { survivor: ownerOf(userKey) ?? anonymous[0], toMerge: anonymous };
  }
  if (knownIds.size <= 1) return { survivor: [...knownIds][0] ?? oldestFirst[0], toMerge: [...candidates] };
  // Identities of two known people and no userId to decide: follow the strongest key.
  const strongest = [...keys].sort(
    (a, b) => identityKindsByStrength.indexOf(a.kind) - identityKindsByStrength.indexOf(b.kind),
  );
  return {
    survivor: strongest.map(ownerOf).find((id) => id !== undefined),
    toMerge: oldestFirst.filter((id) => !knownIds.has(id)),
  };
}
