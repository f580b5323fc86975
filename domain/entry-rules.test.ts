import { describe, expect, it } from 'vitest';
import { mayEnter, type EntryFacts, type LastRun } from './entry-rules.js';

const now = new Date('2026-11-10T12:00:00.000Z');
const at = (iso: string) => new Date(iso);
const never = { reEntry: { mode: 'never' as const } };
const always = { reEntry: { mode: 'always' as const } };
const cooldown = { reEntry: { mode: 'cooldown' as const, cooldown: '1h' } };
const trigger = { occurredAt: now.toISOString() };

const ended = (endedAt: string, more: Partial<LastRun> = {}): LastRun => ({
  status: 'completed',
  startedAt: at('2026-11-10T08:00:00.000Z'),
  endedAt: at(endedAt),
  endedByEventAt: null,
  ...more,
});
const decide = (facts: Partial<EntryFacts>) =>
  mayEnter({ definition: always, trigger, now, lastRun: undefined, ...facts });

describe('mayEnter', () => {
  it('starts a first run', () => {
    expect(decide({ definition: never })).toEqual({ enter: true, joins: false, reason: 'new run' });
  });

  it('joins a running run, whatever the rules', () => {
    const running = { ...ended('2026-11-10T08:00:00.000Z'), status: 'running' as const, endedAt: null };
    expect(
      decide({ definition: { ...never, entryLimit: { max: 1, within: '1d' } }, lastRun: running }),
    ).toEqual({ enter: true, joins: true, reason: 'joins the running run' });
  });

  describe('a late trigger (it happened before the previous run ended)', () => {
    it('starts no run, even with re-entry always', () => {
      const last = ended('2026-11-10T11:00:00.000Z');
      expect(decide({ lastRun: last, trigger: { occurredAt: '2026-11-10T10:59:59.999Z' } })).toEqual({
        enter: false,
        reason: 'late trigger of an ended run',
      });
      // Exactly at the end is still late; a millisecond after is a new entry.
      expect(decide({ lastRun: last, trigger: { occurredAt: '2026-11-10T11:00:00.000Z' } })).toMatchObject({
        reason: 'late trigger of an ended run',
      });
      expect(decide({ lastRun: last, trigger: { occurredAt: '2026-11-10T11:00:00.001Z' } })).toMatchObject({
        enter: true,
        reason: 'new run',
      });
    });

    it('compares with the time of the event that ended the run, when there is one', () => {
      const last = ended('2026-11-10T11:00:00.000Z', { endedByEventAt: at('2026-11-10T10:00:00.000Z') });
      expect(decide({ lastRun: last, trigger: { occurredAt: '2026-11-10T10:30:00.000Z' } })).toMatchObject({
        enter: true,
      });
      expect(decide({ lastRun: last, trigger: { occurredAt: '2026-11-10T10:00:00.000Z' } })).toMatchObject({
        enter: false,
        reason: 'late trigger of an ended run',
      });
    });

    it('does not hold after a failed run', () => {
      const failed = ended('2026-11-10T11:00:00.000Z', { status: 'failed' });
      expect(decide({ lastRun: failed, trigger: { occurredAt: '2026-11-10T10:00:00.000Z' } })).toEqual({
        enter: true,
        joins: false,
        reason: 'new run',
      });
    });
  });

  it('re-entry never: no second run', () => {
    expect(decide({ definition: never, lastRun: ended('2026-11-01T00:00:00.000Z') })).toEqual({
      enter: false,
      reason: 're-entry: never',
    });
  });

  it('re-entry cooldown: counted from the end of the previous run', () => {
    // Started long ago, ended 59 minutes ago: still cooling down.
    const recent = ended('2026-11-10T11:01:00.000Z', { startedAt: at('2026-11-09T00:00:00.000Z') });
    expect(decide({ definition: cooldown, lastRun: recent })).toEqual({
      enter: false,
      reason: 're-entry cooldown 1h',
    });
    expect(decide({ definition: cooldown, lastRun: ended('2026-11-10T11:00:00.000Z') })).toMatchObject({
      enter: true,
      reason: 'new run',
    });
  });

  it('re-entry cooldown: from the start when the run has no end time', () => {
    const noEnd = { ...ended('2026-11-10T11:30:00.000Z'), endedAt: null, status: 'cancelled' as const };
    expect(
      decide({ definition: cooldown, lastRun: { ...noEnd, startedAt: at('2026-11-10T11:30:00.000Z') } }),
    ).toMatchObject({ enter: false, reason: 're-entry cooldown 1h' });
    expect(
      decide({ definition: cooldown, lastRun: { ...noEnd, startedAt: at('2026-11-10T10:00:00.000Z') } }),
    ).toMatchObject({ enter: true });
  });

  it('re-entry always: a run after an ended one', () => {
    expect(decide({ lastRun: ended('2026-11-10T11:59:59.000Z') })).toEqual({
      enter: true,
      joins: false,
      reason: 'new run',
    });
  });

  describe('entry limit', () => {
    const limited = { ...always, entryLimit: { max: 2, within: '1d' } };
    it('asks for the entries since the window opened, only once the other rules let the run in', () => {
      expect(decide({ definition: limited })).toEqual({
        countEntriesSince: new Date('2026-11-09T12:00:00.000Z'),
      });
      expect(
        decide({
          definition: { ...never, entryLimit: limited.entryLimit },
          lastRun: ended('2026-11-01T00:00:00.000Z'),
        }),
      ).toEqual({ enter: false, reason: 're-entry: never' });
    });

    it('lets in fewer than max entries, not max', () => {
      expect(decide({ definition: limited, entriesInWindow: 1 })).toEqual({
        enter: true,
        joins: false,
        reason: 'new run',
      });
      expect(decide({ definition: limited, entriesInWindow: 2 })).toEqual({
        enter: false,
        reason: 'entry limit reached',
      });
    });

    it('is not asked about without a limit', () => {
      expect(decide({ entriesInWindow: 1_000 })).toMatchObject({ enter: true, reason: 'new run' });
    });
  });
});
