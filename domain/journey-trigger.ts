import type { Condition } from './condition.js';
import type { JourneyTrigger, ScheduleTrigger } from './journey-trigger-schema.js';

export type { EventTrigger, JourneyTrigger, ScheduleTrigger } from './journey-trigger-schema.js';

/**
 * What starts a journey: one customer's event; a segment's entry or exit (the segment's membership
 * changes are stored as `Segment Entered`/`Segment Left` events, so the router starts these runs
 * like any other, once per entry); or a schedule over a segment's members, in each customer's time
 * zone or one zone (started by the journey's scheduled-entry workflow, not by an event).
 */

export const segmentEnteredEvent = 'Segment Entered';
export const segmentLeftEvent = 'Segment Left';
/** The trigger event of a scheduled run (never stored: the scheduled-entry activity makes it). */
export const scheduledEntryEvent = 'Scheduled Entry';

/** How the router matches an event-started trigger: an event name, a condition and the entry key's path. */
export interface TriggerMatch {
  event: string;
  where?: Condition;
  entryKey?: string;
}

export function isScheduleTrigger(trigger: JourneyTrigger): trigger is ScheduleTrigger {
  return 'schedule' in trigger;
}

/**
 * The event match of a trigger the router starts runs for; undefined for a schedule. A segment
 * trigger is its membership event for that segment, one run per entry ordinal, so the journey's
 * re-entry rule decides whether a later entry (entry 2, 3, …) runs again.
 */
export function triggerMatch(trigger: JourneyTrigger): TriggerMatch | undefined {
  if ('event' in trigger) return trigger;
  if (isScheduleTrigger(trigger)) return undefined;
  return {
    event: trigger.on === 'enter' ? segmentEnteredEvent : segmentLeftEvent,
    where: { path: 'event.properties.segment', op: 'eq', value: trigger.segment },
    entryKey: 'trigger.properties.entry',
  };
}

/** The trigger in words, for lists and diagrams. */
export function triggerText(trigger: JourneyTrigger): string {
  if ('event' in trigger) return trigger.event;
  if (isScheduleTrigger(trigger)) {
    const zone = trigger.timeZone === 'customer' ? "each customer's time zone" : trigger.timeZone;
    return `segment ${trigger.segment} on schedule ${trigger.schedule} (${zone})`;
  }
  return `segment ${trigger.segment} ${trigger.on === 'enter' ? 'entered' : 'left'}`;
}

/**
 * Whether re-entry is decided across entry keys: a segment's entries (1, 2, …) and a schedule's
 * occurrences are each a new entry key, and the journey's re-entry rule says whether the customer
 * runs again; an event trigger's entry keys (a cart id) are independent runs.
 */
export function reEntryAcrossKeys(trigger: JourneyTrigger): boolean {
  return !('event' in trigger);
}
