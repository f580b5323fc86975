import type { EntryDecision } from './entry-rules.js';

/** What a backfill would do with one segment member, and why. */
export type BackfillVerdict = { enter: true; reason: 'would enter' } | { enter: false; reason: string };

export interface BackfillFacts {
  paused: boolean;
  /** The entry key of the customer's running run of the journey, if one is going on. */
  runningEntry: string | undefined;
  /** A run of the journey already exists for this entry (any outcome). */
  ranThisEntry: boolean;
  /** The journey's re-entry and entry-limit rules for a new run now. */
  decision: EntryDecision;
}

/**
 * The first reason that keeps a member out, in the order an operator asks: is the journey paused,
 * is a run going on, did this entry already run, do the re-entry rules let them in again.
 */
export function backfillVerdict(facts: BackfillFacts): BackfillVerdict {
  if (facts.paused) return { enter: false, reason: 'journey paused' };
  if (facts.runningEntry !== undefined)
    return { enter: false, reason: `a run is going on (entry ${facts.runningEntry})` };
  if (facts.ranThisEntry) return { enter: false, reason: 'already ran for this entry' };
  if (!facts.decision.enter) return { enter: false, reason: facts.decision.reason };
  return { enter: true, reason: 'would enter' };
}
