import { evaluate, valueAt, type Condition, type EvaluationContext } from './condition.js';
import type { JourneyDefinition } from './journey-definition.js';
import { triggerMatch } from './journey-trigger.js';

/** An event as a run sees it (a plain, serialisable snapshot). */
export interface RunEvent {
  messageId: string;
  name: string;
  properties: Record<string, unknown>;
  occurredAt: string;
}

export const defaultEntryKey = 'default';

/** The entry key of a run started by this trigger: the value at the definition's path, or "default". */
export function entryKeyOf(definition: JourneyDefinition, trigger: RunEvent): string | undefined {
  const path = triggerMatch(definition.trigger)?.entryKey;
  if (!path) return defaultEntryKey;
  const value = valueAt({ trigger }, path);
  if (typeof value === 'string' && value.trim() !== '') return value.trim().slice(0, 200);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** One workflow id per (journey, customer, entry key): the rule "one run per entry". */
export function journeyWorkflowId(journeyId: string, customerId: string, entryKey: string): string {
  return `journey/${journeyId}/${customerId}/${entryKey}`;
}

export function matches(
  match: { event: string; where?: Condition },
  event: RunEvent,
  context: EvaluationContext,
): boolean {
  return match.event === event.name && (!match.where || evaluate(match.where, { ...context, event }));
}

/** Does this event start the journey? (A scheduled journey is started by its schedule, never by an event.) */
export function triggers(definition: JourneyDefinition, event: RunEvent, profile: unknown): boolean {
  const match = triggerMatch(definition.trigger);
  return match !== undefined && matches(match, event, { trigger: event, profile });
}

/** The event name that may start the journey, if an event starts it. */
export function triggerEventName(definition: JourneyDefinition): string | undefined {
  return triggerMatch(definition.trigger)?.event;
}

/** A segment's membership event as routing tells it apart (`Segment Entered#vip`). */
export const segmentEventKey = (name: string, segment: string) => `${name}#${segment}`;

/**
 * What routing hands this journey's versions: the events a run reacts to (exit, goal, waits) by
 * name, and its trigger; a segment trigger as its segment's membership event alone, so another
 * segment's entries and exits concern no journey and are stored routed.
 */
export function routingKeysOf(definition: JourneyDefinition): Set<string> {
  const keys = new Set<string>(definition.exit.map((e) => e.event));
  if (definition.goal) keys.add(definition.goal.event);
  for (const step of definition.steps) if (step.type === 'waitForEvent') keys.add(step.event);
  const { trigger } = definition;
  const match = triggerMatch(trigger);
  if (match) keys.add('event' in trigger ? match.event : segmentEventKey(match.event, trigger.segment));
  return keys;
}

/** Whether an event is among `keys` (routingKeysOf): by its name, or as its segment's membership event. */
export function routedBy(
  keys: ReadonlySet<string>,
  event: { name: string | null; properties?: Record<string, unknown> },
): boolean {
  const name = event.name ?? '';
  const segment = event.properties?.segment;
  return keys.has(name) || (typeof segment === 'string' && keys.has(segmentEventKey(name, segment)));
}

/** Names of the events a running run of this journey may react to (exit, goal, waits). */
export function eventsOfInterest(definition: JourneyDefinition): Set<string> {
  const names = new Set<string>(definition.exit.map((e) => e.event));
  const trigger = triggerEventName(definition);
  if (trigger !== undefined) names.add(trigger);
  if (definition.goal) names.add(definition.goal.event);
  for (const step of definition.steps) if (step.type === 'waitForEvent') names.add(step.event);
  return names;
}

/** How a run ended, for the stats (in the order the stats and the CLI list them). */
export const runOutcomes = ['completed', 'converted', 'exited', 'failed', 'cancelled', 'merged'] as const;
export type RunOutcome = (typeof runOutcomes)[number];

/** What a send step reported, for later branches (`steps.<id>.outcome`). */
export interface SendOutcome {
  /** `failed`: every channel tried failed (render error, provider down past its retries). */
  status: 'sent' | 'skipped' | 'deferred' | 'failed';
  channel?: string;
  reason?: string;
  /** For deferred: when to try again (ISO). */
  until?: string;
  /** Deferred because the journey is paused: the run asks again until it is resumed (not a deferral). */
  held?: boolean;
  providerMessageId?: string;
}
