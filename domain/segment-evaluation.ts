import type { Channel } from './channels.js';
import { evaluate, type EvaluationContext } from './condition.js';
import { durationMs } from './duration.js';
import type {
  BasicCondition,
  EventCondition,
  SegmentCondition,
  SegmentDefinition,
} from './segment-definition.js';

/**
 * Whether a customer is in a segment at an instant, from facts read beforehand; pure. An event
 * count in a window changes with time alone (an event leaves the window `within` after it
 * happened), so the answer also says since when it holds and when it can next flip with no new
 * event: the membership row's entered/left time and `next_check_at`.
 */

export interface SegmentFacts {
  /** The profile's traits. */
  traits: Record<string, unknown>;
  /**
   * For each event condition, by its index in `conditions`: when the customer's events that match it
   * (name and `where`) happened, in any order, complete back to twice the longest window (or ever).
   */
  eventTimes: ReadonlyMap<number, readonly Date[]>;
  /** Marketing consent allows the channel and the customer has an address on it. */
  reachable: Partial<Record<Channel, boolean>>;
  /** The customer's standing in the segments this one names. */
  segments: Readonly<Record<string, boolean>>;
}

export interface SegmentAnswer {
  member: boolean;
  /** The instant the answer last changed by a window edge or a counted event; unset: not known from the facts. */
  since?: Date;
  /** The earliest instant after `at` at which a window edge flips the answer with no new event. */
  nextCheckAt?: Date;
}

/** A condition's window in ms; undefined: ever. */
export function windowOf(condition: EventCondition): number | undefined {
  return condition.within === undefined ? undefined : durationMs(condition.within);
}

/** Whether a stored event counts for an event condition (its name, and its `where` on the event). */
export function eventMatches(
  condition: EventCondition,
  event: { name: string | null; properties: Record<string, unknown>; occurredAt: Date },
): boolean {
  if (event.name !== condition.event) return false;
  if (!condition.where) return true;
  const context: EvaluationContext = {
    event: { name: event.name, properties: event.properties, occurredAt: event.occurredAt.toISOString() },
  };
  return evaluate(condition.where, context);
}

const basicOf = (condition: SegmentCondition): BasicCondition =>
  'not' in condition ? condition.not : condition;

/** How many of `sorted` (ascending) are ≤ x. */
function countUpTo(sorted: readonly number[], x: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid] ?? 0) <= x) low = mid + 1;
    else high = mid;
  }
  return low;
}

function compare(count: EventCondition['count'], n: number): boolean {
  if (count.eq !== undefined) return n === count.eq;
  if (count.lte !== undefined) return n <= count.lte;
  return n >= (count.gte ?? 1);
}

/** One condition as a function of time: constant, or an event count whose window slides. */
interface TimedCondition {
  holds(t: number): boolean;
  /** The instants its value can change at (events entering and leaving the window). */
  edges: number[];
}

function timed(condition: SegmentCondition, index: number, facts: SegmentFacts): TimedCondition {
  const basic = basicOf(condition);
  const negate = 'not' in condition;
  if ('event' in basic) {
    const sorted = [...(facts.eventTimes.get(index) ?? [])].map((d) => d.getTime()).sort((a, b) => a - b);
    const w = windowOf(basic);
    // In the window (t − w, t]: an event counts from the instant it happened until exactly w later.
    const countAt = (t: number) => countUpTo(sorted, t) - (w === undefined ? 0 : countUpTo(sorted, t - w));
    return {
      holds: (t) => compare(basic.count, countAt(t)) !== negate,
      edges: w === undefined ? sorted : sorted.flatMap((e) => [e, e + w]),
    };
  }
  const value = constantValue(basic, facts);
  return { holds: () => value !== negate, edges: [] };
}

function constantValue(basic: Exclude<BasicCondition, EventCondition>, facts: SegmentFacts): boolean {
  if ('trait' in basic)
    return evaluate({ ...basic.trait, path: `profile.${basic.trait.path}` }, { profile: facts.traits });
  if ('reachable' in basic) return facts.reachable[basic.reachable] === true;
  return facts.segments[basic.segment] === true;
}

/** The segment's answer at `at`, since when it holds (from the facts' edges) and when it can next flip. */
export function evaluateSegment(
  definition: Pick<SegmentDefinition, 'match' | 'conditions'>,
  facts: SegmentFacts,
  at: Date,
): SegmentAnswer {
  const parts = definition.conditions.map((condition, index) => timed(condition, index, facts));
  const holds = (t: number) =>
    definition.match === 'all' ? parts.every((p) => p.holds(t)) : parts.some((p) => p.holds(t));
  const now = at.getTime();
  const member = holds(now);
  const edges = [...new Set(parts.flatMap((p) => p.edges))].sort((a, b) => a - b);
  const answer: SegmentAnswer = { member };
  const firstLater = countUpTo(edges, now);
  for (let i = firstLater; i < edges.length; i++) {
    const edge = edges[i] ?? 0;
    if (holds(edge) !== member) {
      answer.nextCheckAt = new Date(edge);
      break;
    }
  }
  for (let i = firstLater - 1; i >= 0; i--) {
    const edge = edges[i] ?? 0;
    if (holds(edge - 1) !== member) {
      answer.since = new Date(edge);
      break;
    }
  }
  return answer;
}
