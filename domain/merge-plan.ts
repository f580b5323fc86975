import { identityKindsByStrength, type IdentityKey } from './identity-keys.js';

/** What identity resolution knows once the identities' owners are read under their locks. */
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
  /**
   * `client`: the message came with a client (public) write key. Keys owned by a customer other
   * than the sender's own are left out (see `clientClaims`) and no two existing profiles merge.
   * Unset: `server`, the rules above.
   */
  trust?: Trust;
}

/** Who sent a message: a server write key (full trust) or a client key (a browser or an app). */
export type Trust = 'server' | 'client';

/**
 * What a client key may claim. The sender's own customer is the owner of the message's
 * anonymousId (none: a new customer); a key owned by any other customer is ignored (it stays
 * with its owner), a key nobody owns is claimed by the sender.
 */
export function clientClaims(
  keys: readonly IdentityKey[],
  ownerOf: (key: IdentityKey) => string | undefined,
): { own: string | undefined; kept: IdentityKey[]; ignored: IdentityKey[] } {
  const ownerBy = (kind: IdentityKey['kind']) => {
    const key = keys.find((candidate) => candidate.kind === kind);
    return key && ownerOf(key);
  };
  // Only the device's own anonymousId is the sender's: a bare userId from a public key proves nothing
  // (acting for a known user takes a signed user token, which grants server trust upstream).
  const own = ownerBy('anonymous_id');
  const kept: IdentityKey[] = [];
  const ignored: IdentityKey[] = [];
  for (const key of keys) {
    const owner = ownerOf(key);
    (owner === undefined || owner === own ? kept : ignored).push(key);
  }
  return { own, kept, ignored };
}

/**
 * Which customer survives and which are folded into it. Two customers with different userIds
 * never merge unless an alias says so; an anonymous profile adopts a userId; with identities of
 * two known people and no userId to decide, the strongest key wins. `survivor` undefined: a new
 * customer is created.
 */
export function mergePlan(facts: MergeFacts): { survivor: string | undefined; toMerge: string[] } {
  const { keys, ownerOf, knownIds, oldestFirst, candidates } = facts;
  if (facts.trust === 'client') {
    const { own } = clientClaims(keys, ownerOf);
    return { survivor: own, toMerge: own === undefined ? [] : [own] };
  }
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
