import type { SegmentAnswer } from './segment-evaluation.js';

/** A customer's standing in one segment, as its row keeps it. */
export interface Standing {
  member: boolean;
  entries: number;
  enteredAt: Date | null;
  leftAt: Date | null;
  nextCheckAt: Date | null;
}

export interface MembershipChange {
  standing: Standing;
  /** Set when the customer entered or left: the `Segment Entered` / `Segment Left` to record. */
  change?: { kind: 'entered' | 'left'; at: Date; entry: number };
}

const latest = (...dates: (Date | null | undefined)[]): Date =>
  new Date(Math.max(...dates.filter((d): d is Date => d instanceof Date).map((d) => d.getTime())));

/**
 * The new standing after an evaluation. The edge instant is the later of what made the answer
 * flip: the window edge the evaluation found (`since`) and `cause` (the event's time, or the due
 * time a clock tick re-evaluates at); a trait set today does not date an entry to an old view. An
 * edge is never before the previous one, so entered ≤ left ≤ entered again.
 */
export function membershipChange(
  previous: Standing | undefined,
  answer: SegmentAnswer,
  cause: Date,
): MembershipChange {
  const before = previous ?? { member: false, entries: 0, enteredAt: null, leftAt: null, nextCheckAt: null };
  const nextCheckAt = answer.nextCheckAt ?? null;
  if (answer.member === before.member) return { standing: { ...before, nextCheckAt } };
  const at = latest(answer.since, cause, before.enteredAt, before.leftAt);
  if (answer.member) {
    const entry = before.entries + 1;
    return {
      standing: { member: true, entries: entry, enteredAt: at, leftAt: before.leftAt, nextCheckAt },
      change: { kind: 'entered', at, entry },
    };
  }
  return {
    standing: { ...before, member: false, leftAt: at, nextCheckAt },
    change: { kind: 'left', at, entry: before.entries },
  };
}

/** The `messageId` of a membership event: unique per segment, customer, kind and entry, so it is written once. */
export const membershipMessageId = (
  segmentId: string,
  customerId: string,
  change: { kind: 'entered' | 'left'; entry: number },
) => `segment:${segmentId}:${customerId}:${change.kind}:${change.entry}`;

export const membershipEventNames = { entered: 'Segment Entered', left: 'Segment Left' } as const;

/** Event names only the engine writes: ingest refuses them from clients. */
export const reservedEventNames: readonly string[] = Object.values(membershipEventNames);
