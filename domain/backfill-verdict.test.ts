import { describe, expect, it } from 'vitest';
import { backfillVerdict, type BackfillFacts } from './backfill-verdict.js';

const open: BackfillFacts = {
  paused: false,
  runningEntry: undefined,
  ranThisEntry: false,
  decision: { enter: true, joins: false, reason: 'new run' },
};

describe('backfill verdicts', () => {
  it('lets a member in when nothing keeps them out', () => {
    expect(backfillVerdict(open)).toEqual({ enter: true, reason: 'would enter' });
  });

  it('names the first reason that keeps a member out', () => {
    const never = { enter: false as const, reason: 're-entry: never' };
    expect(backfillVerdict({ ...open, paused: true, ranThisEntry: true })).toEqual({
      enter: false,
      reason: 'journey paused',
    });
    expect(backfillVerdict({ ...open, runningEntry: '2', ranThisEntry: true }).reason).toBe(
      'a run is going on (entry 2)',
    );
    expect(backfillVerdict({ ...open, ranThisEntry: true, decision: never }).reason).toBe(
      'already ran for this entry',
    );
    expect(backfillVerdict({ ...open, decision: never }).reason).toBe('re-entry: never');
  });
});
