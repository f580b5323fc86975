import { describe, expect, it } from 'vitest';
import type { IdentityKey } from './identity-keys.js';
import { clientClaims, mergePlan, type MergeFacts } from './merge-plan.js';

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

describe('clientClaims and mergePlan with client trust', () => {
  const client = (keys: IdentityKey[], owners: Record<string, string>, known: string[]): MergeFacts => ({
    ...facts(keys, owners, known),
    trust: 'client',
  });

  it("drops another customer's email: the sender keeps its own profile, nothing merges", () => {
    const keys = [anon('a1'), email('victim@example.com')];
    const owners = { 'anonymous_id:a1': 'c-attacker', 'email:victim@example.com': 'c-victim' };
    expect(clientClaims(keys, facts(keys, owners, []).ownerOf)).toEqual({
      own: 'c-attacker',
      kept: [anon('a1')],
      ignored: [email('victim@example.com')],
    });
    expect(mergePlan(client(keys, owners, []))).toEqual({ survivor: 'c-attacker', toMerge: ['c-attacker'] });
  });

  it('a new anonymousId with a claimed email gets a new customer, not the owner of the email', () => {
    const keys = [anon('new'), email('victim@example.com')];
    const owners = { 'email:victim@example.com': 'c-victim' };
    expect(clientClaims(keys, facts(keys, owners, []).ownerOf).ignored).toEqual([
      email('victim@example.com'),
    ]);
    expect(mergePlan(client(keys, owners, []))).toEqual({ survivor: undefined, toMerge: [] });
  });

  it("does not let an anonymous profile fold into another's userId (the server rule would)", () => {
    const keys = [user('u1'), anon('a1')];
    const owners = { 'user_id:u1': 'c-known', 'anonymous_id:a1': 'c-anon' };
    expect(mergePlan(facts(keys, owners, ['c-known']))).toEqual({ survivor: 'c-known', toMerge: ['c-anon'] });
    expect(mergePlan(client(keys, owners, ['c-known']))).toEqual({ survivor: 'c-anon', toMerge: ['c-anon'] });
    expect(clientClaims(keys, facts(keys, owners, []).ownerOf).ignored).toEqual([user('u1')]);
  });

  it('keeps unowned keys and keys of the sender itself (the owner of its anonymousId)', () => {
    const keys = [anon('a1'), user('u1'), email('me@example.com'), phone('+33612345678')];
    const owners = {
      'anonymous_id:a1': 'c1',
      'user_id:u1': 'c1',
      'email:me@example.com': 'c1',
      'phone:+33612345678': 'c2',
    };
    expect(clientClaims(keys, facts(keys, owners, []).ownerOf)).toEqual({
      own: 'c1',
      kept: [anon('a1'), user('u1'), email('me@example.com')],
      ignored: [phone('+33612345678')],
    });
  });

  it('without an anonymousId a public key is nobody: a known userId is not claimed (that takes a token)', () => {
    const keys = [user('u1'), email('new@example.com')];
    const owners = { 'user_id:u1': 'c1' };
    expect(clientClaims(keys, facts(keys, owners, []).ownerOf)).toEqual({
      own: undefined,
      kept: [email('new@example.com')],
      ignored: [user('u1')],
    });
  });

  it('never merges two profiles, even for an alias', () => {
    const keys = [user('u1'), anon('a1')];
    const owners = { 'user_id:u1': 'c1', 'anonymous_id:a1': 'c2' };
    expect(mergePlan({ ...facts(keys, owners, ['c1'], 'alias'), trust: 'client' })).toEqual({
      survivor: 'c2',
      toMerge: ['c2'],
    });
  });
});
