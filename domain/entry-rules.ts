import { durationMs } from './duration.js';
import type { JourneyDefinition } from './journey-definition.js';
import type { RunEvent, RunOutcome } from './journey-runtime.js';

/** The newest run of this journey for this customer and entry key, as the run history records it. */
export interface LastRun {
  status: 'running' | RunOutcome;
  startedAt: Date;
  endedAt: Date | null;
  /** When the goal or exit event that ended it happened. */
  endedByEventAt: Date | null;
}

export interface EntryFacts {
  definition: Pick<JourneyDefinition, 'reEntry' | 'entryLimit'>;
  trigger: Pick<RunEvent, 'occurredAt'>;
  /** The clock of the decision (the time-skipping server's in tests). */
  now: Date;
  lastRun: LastRun | undefined;
  /**
   * Runs of this journey for this customer started since the entry limit's window opened. Left out,
   * the rules ask for it only when they get that far (it costs the router a round trip).
   */
  entriesInWindow?: number;
}

export type EntryDecision =
  { enter: true; joins: boolean; reason: string } | { enter: false; reason: string };

/** The rules cannot decide without the number of entries since `since`. */
interface EntriesNeeded {
  countEntriesSince: Date;
}

/**
 * Re-entry and entry limits. A running run is joined; a trigger that happened before the previous
 * run ended arrived late; then the re-entry rule (never, cooldown, always); then the entry limit.
 */
export function mayEnter(facts: EntryFacts & { entriesInWindow: number }): EntryDecision;
export function mayEnter(facts: EntryFacts): EntryDecision | EntriesNeeded;
export function mayEnter(facts: EntryFacts): EntryDecision | EntriesNeeded {
  const { definition, lastRun: last, now } = facts;
  if (last?.status === 'running') return { enter: true, joins: true, reason: 'joins the running run' };
  // A trigger that happened before the previous run ended (it arrived late, out of order) would
  // have joined that run: it starts no new one, whatever the re-entry rule.
  if (last && last.status !== 'failed') {
    const endedAt = (last.endedByEventAt ?? last.endedAt)?.getTime();
    if (endedAt !== undefined && Date.parse(facts.trigger.occurredAt) <= endedAt)
      return { enter: false, reason: 'late trigger of an ended run' };
  }
  if (last) {
    if (definition.reEntry.mode === 'never') return { enter: false, reason: 're-entry: never' };
    if (definition.reEntry.mode === 'cooldown') {
      const cooldownMs = durationMs(definition.reEntry.cooldown);
      const ended = (last.endedAt ?? last.startedAt).getTime();
      if (now.getTime() - ended < cooldownMs)
        return { enter: false, reason: `re-entry cooldown ${definition.reEntry.cooldown}` };
    }
  }
  if (definition.entryLimit) {
    if (facts.entriesInWindow === undefined)
      return { countEntriesSince: new Date(now.getTime() - durationMs(definition.entryLimit.within)) };
    if (facts.entriesInWindow >= definition.entryLimit.max)
      return { enter: false, reason: 'entry limit reached' };
  }
  return { enter: true, joins: false, reason: 'new run' };
}
