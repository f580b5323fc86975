import { describe, expect, it } from 'vitest';
import type { IdentityKey } from './identity-keys.js';
import { mergePlan, splitClaims, type MergeFacts } from './merge-plan.js';

const email = (value: string): IdentityKey => ({ kind: 'email', value });
const user = (value: string): IdentityKey => ({ kind: 'user_id', value });
const anon = (value: string): IdentityKey => ({ kind: 'anonymous_id', value });
const phone = (value: string): IdentityKey => ({ kind: 'phone', value });

/** Facts from a table of key → owner and the owners that carry a userId. */
function facts(
  keys: IdentityKey[],
  owners: Record<string, string>,
  known: string[],
  mode: MergeFacts['mode'] = 'resolve',
): MergeFacts {
  const candidates = [...new Set(Object.values(owners))];
  return {
    keys,
    mode,
    ownerOf: (key) => owners[`${key.kind}:${key.value}`],
    candidates,
    knownIds: new Set(known),
    oldestFirst: [...candidates].sort(),
  };
}

describe('mergePlan', () => {
  it('creates a customer when no key is known', () => {
    expect(mergePlan(facts([user('u1')], {}, []))).toEqual({ survivor: undefined, toMerge: [] });
  });

  it('lets an anonymous profile adopt a new userId', () => {
    const plan = mergePlan(facts([user('u1'), anon('a1')], { 'anonymous_id:a1': 'c-anon' }, []));
    expect(plan).toEqual({ survivor: 'c-anon', toMerge: ['c-anon'] });
  });

  it('never folds another known person into a userId owner without an alias', () => {
    const plan = mergePlan(
      facts([user('u1'), email('x@example.com')], { 'user_id:u1': 'c1', 'email:x@example.com': 'c2' }, [
        'c1',
        'c2',
      ]),
    );
    expect(plan).toEqual({ survivor: 'c1', toMerge: [] });
  });

  it('merges two known people on an alias, the userId owner surviving', () => {
    const plan = mergePlan(
      facts([user('u2'), user('u1')], { 'user_id:u1': 'c1', 'user_id:u2': 'c2' }, ['c1', 'c2'], 'alias'),
    );
    expect(plan.survivor).toBe('c2');
    expect(plan.toMerge).toEqual(['c1', 'c2']);
  });

  it('follows the strongest key when identities of two known people arrive without a userId', () => {
    const plan = mergePlan(
      facts(
        [phone('+15550100'), email('x@example.com')],
        { 'phone:+15550100': 'c1', 'email:x@example.com': 'c2', 'anonymous_id:a1': 'c3' },
        ['c1', 'c2'],
      ),
    );
    // email ranks above phone; the unknown (anonymous) profile is folded in.
    expect(plan).toEqual({ survivor: 'c2', toMerge: ['c3'] });
  });
});

describe('splitClaims', () => {
  const keys = [user('u1'), anon('a1'), email('x@example.com'), phone('+33612345678')];

  it('a server key vouches for every key it names', () => {
    expect(splitClaims(keys, 'server')).toEqual({ vouched: keys, claimed: [] });
    expect(splitClaims(keys)).toEqual({ vouched: keys, claimed: [] });
  });

  it("a user token vouches for its userId and the device's id, not for an email or a phone", () => {
    expect(splitClaims(keys, 'user')).toEqual({
      vouched: [user('u1'), anon('a1')],
      claimed: [email('x@example.com'), phone('+33612345678')],
    });
  });

  it("a public key vouches for the device's own id only", () => {
    expect(splitClaims(keys, 'client')).toEqual({
      vouched: [anon('a1')],
      claimed: [user('u1'), email('x@example.com'), phone('+33612345678')],
    });
  });

  it("so a public key's claim of a victim's email plans no merge: the device keeps its own profile", () => {
    const { vouched } = splitClaims([anon('a1'), email('victim@example.com')], 'client');
    expect(vouched).toEqual([anon('a1')]);
    // Resolution asks only for the owners of vouched keys: the victim is not even a candidate.
    expect(mergePlan(facts(vouched, { 'anonymous_id:a1': 'c-attacker' }, []))).toEqual({
      survivor: 'c-attacker',
      toMerge: ['c-attacker'],
    });
  });
});
