import { describe, expect, it } from 'vitest';
import { mergedStepRow, planRunMerges, runGoingOnInstead, type RunningRun } from './run-merge.js';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 12, minute));
const run = (runId: string, minute: number, extra: Partial<RunningRun> = {}): RunningRun => ({
  runId,
  journeyId: 'abandoned-cart',
  entryKey: 'cart-1',
  startedAt: at(minute),
  ...extra,
});

describe('which run goes on after a merge', () => {
  it('keeps the first started of each (journey, entry key) and ends the others', () => {
    const plan = planRunMerges([run('b', 5), run('a', 1), run('c', 9)]);
    expect(plan).toEqual([{ keeper: run('a', 1), losers: [run('b', 5), run('c', 9)] }]);
  });

  it('breaks a tie on the start time by run id', () => {
    expect(planRunMerges([run('z', 1), run('y', 1)])).toEqual([
      { keeper: run('y', 1), losers: [run('z', 1)] },
    ]);
  });

  it('leaves runs of other entry keys and other journeys alone', () => {
    const other = [run('a', 1), run('b', 2, { entryKey: 'cart-2' }), run('c', 3, { journeyId: 'welcome' })];
    expect(planRunMerges(other)).toEqual([]);
  });

  it('does not confuse keys that only join to the same text', () => {
    const tricky = [
      run('a', 1, { journeyId: 'x', entryKey: 'y/z' }),
      run('b', 2, { journeyId: 'x/y', entryKey: 'z' }),
    ];
    expect(planRunMerges(tricky)).toEqual([]);
  });

  it('names the earlier running run instead of this one, or none when this one started first', () => {
    expect(runGoingOnInstead(run('b', 5), [run('a', 1), run('b', 5), run('c', 9)])).toBe('a');
    expect(runGoingOnInstead(run('a', 1), [run('a', 1), run('b', 5)])).toBeUndefined();
    expect(runGoingOnInstead(run('b', 1), [run('a', 1)])).toBe('a');
    expect(runGoingOnInstead(run('a', 1), [])).toBeUndefined();
  });
});

describe('a step already sent by a run merged into this one', () => {
  const counted = ['reserved', 'sending', 'sent', 'delivered'];
  const mergedRunIds = new Set(['loser']);
  const rows = [
    { runId: 'loser', stepId: 'reminder-2', status: 'skipped' },
    { runId: 'other', stepId: 'reminder-1', status: 'sent' },
    { runId: 'loser', stepId: 'reminder-1', status: 'sent' },
  ];

  it('is this step’s own row when it went out (or may have)', () => {
    expect(mergedStepRow(rows, { stepId: 'reminder-1', mergedRunIds, counted })).toEqual(rows[2]);
  });

  it('is not there for another step, a row not counted, or a run not merged into this one', () => {
    expect(mergedStepRow(rows, { stepId: 'reminder-2', mergedRunIds, counted })).toBeUndefined();
    expect(mergedStepRow(rows, { stepId: 'reminder-1', mergedRunIds: new Set(), counted })).toBeUndefined();
  });
});
