import type { Condition } from './condition.js';
import type { JourneyDefinition } from './journey-definition.js';
import { matches, type RunEvent } from './journey-runtime.js';

/** One goal or exit of a journey: an event name and, optionally, a condition on it. */
export interface StopMatch {
  event: string;
  where?: Condition;
}

/**
 * What ends a run, as a send carries it to the delivery pipeline (beside the run's trigger, which
 * conditions compare with): the journey's goal and exits, and when the run started. With it the
 * pipeline re-checks exit just before a send from the events stored, not only from the signals the
 * run got: sends that run back to back inside one workflow task see no signal in between.
 */
export interface RunStop {
  /** The run's start: only events that happened since can end it. */
  since: string;
  goal?: StopMatch;
  exit: StopMatch[];
}

/** The journey's goal and exits for a run's send, or undefined when nothing but the end stops it. */
export function runStopOf(
  journey: Pick<JourneyDefinition, 'goal' | 'exit'>,
  since: string,
): RunStop | undefined {
  if (!journey.goal && journey.exit.length === 0) return undefined;
  const plain = ({ event, where }: StopMatch): StopMatch => (where ? { event, where } : { event });
  return {
    since,
    ...(journey.goal ? { goal: plain(journey.goal) } : {}),
    exit: journey.exit.map(plain),
  };
}

/** The event names to read from the customer's stored events. */
export function stopEventNames(stop: RunStop): string[] {
  return [...new Set([...(stop.goal ? [stop.goal.event] : []), ...stop.exit.map((m) => m.event)])];
}

export interface RunStopped {
  outcome: 'converted' | 'exited';
  event: RunEvent;
}

/**
 * The first of `events` (in the order given: the order they happened) that ends the run, as the
 * run itself would judge it on receiving it (goal before exit, conditions against the trigger);
 * the trigger itself and events from before the run started never do.
 */
export function runStoppedBy(
  stop: RunStop,
  trigger: RunEvent,
  events: readonly RunEvent[],
): RunStopped | undefined {
  const context = { trigger };
  const since = Date.parse(stop.since);
  for (const event of events) {
    if (event.messageId === trigger.messageId || Date.parse(event.occurredAt) < since) continue;
    if (stop.goal && matches(stop.goal, event, context)) return { outcome: 'converted', event };
    if (stop.exit.some((match) => matches(match, event, context))) return { outcome: 'exited', event };
  }
  return undefined;
}

/** The ledger's reason for a send a stored goal or exit event stopped. */
export function runStoppedReason({ outcome, event }: RunStopped): string {
  return outcome === 'converted'
    ? `customer converted: ${event.name} at ${event.occurredAt}`
    : `customer exited: ${event.name} at ${event.occurredAt}`;
}
