import { describe, expect, it } from 'vitest';
import { membershipChange, membershipMessageId } from './membership-change.js';

const at = (day: number) => new Date(Date.UTC(2026, 0, 1 + day));

describe('membership changes', () => {
  it('a first entry is entry 1, dated at the later of the window edge and the cause', () => {
    expect(membershipChange(undefined, { member: true, since: at(2) }, at(3))).toEqual({
      standing: { member: true, entries: 1, enteredAt: at(3), leftAt: null, nextCheckAt: null },
      change: { kind: 'entered', at: at(3), entry: 1 },
    });
    expect(
      membershipChange(undefined, { member: true, since: at(5), nextCheckAt: at(9) }, at(3)).change,
    ).toEqual({ kind: 'entered', at: at(5), entry: 1 });
  });

  it('leaving keeps the entry count; re-entering counts the next entry; no change records nothing', () => {
    const inside = { member: true, entries: 1, enteredAt: at(1), leftAt: null, nextCheckAt: null };
    const left = membershipChange(inside, { member: false }, at(4));
    expect(left.change).toEqual({ kind: 'left', at: at(4), entry: 1 });
    const again = membershipChange(left.standing, { member: true }, at(6));
    expect(again.change).toEqual({ kind: 'entered', at: at(6), entry: 2 });
    expect(membershipChange(again.standing, { member: true, nextCheckAt: at(9) }, at(7))).toEqual({
      standing: { ...again.standing, nextCheckAt: at(9) },
    });
  });

  it('an edge never goes back before the previous one (a late event)', () => {
    const inside = { member: true, entries: 1, enteredAt: at(5), leftAt: null, nextCheckAt: null };
    expect(membershipChange(inside, { member: false, since: at(2) }, at(2)).change?.at).toEqual(at(5));
  });

  it('names each entry and exit once', () => {
    expect(membershipMessageId('vip', 'c1', { kind: 'left', entry: 2 })).toBe('segment:vip:c1:left:2');
  });
});
