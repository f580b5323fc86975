import { describe, expect, it } from 'vitest';
import { validateJourney } from './journey-definition.js';
import { journeyToMermaid } from './journey-mermaid.js';
import {
  entryKeyOf,
  eventsOfInterest,
  routedBy,
  routingKeysOf,
  triggers,
  type RunEvent,
} from './journey-runtime.js';

const steps = [{ id: 'send', type: 'send', template: 'promo', channels: ['email'], intentKey: 'x' }];
const check = (trigger: unknown) => validateJourney({ id: 'j', name: 'J', trigger, steps });
const problemsOf = (trigger: unknown) => {
  const result = check(trigger);
  return result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
};
const definitionOf = (trigger: unknown) => {
  const result = check(trigger);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.definition;
};
const membershipEvent = (name: string, segment: string, entry: number): RunEvent => ({
  messageId: `segment:${segment}:c:${name}:${entry}`,
  name,
  properties: { segment, entry, segment_version: 'v1' },
  occurredAt: '2026-12-06T10:00:00.000Z',
});

describe('journey triggers', () => {
  it('starts a segment-entry journey on its segment entry, one run per entry ordinal', () => {
    const definition = definitionOf({ segment: 'vip', on: 'enter' });
    const entered = membershipEvent('Segment Entered', 'vip', 2);
    expect(triggers(definition, entered, null)).toBe(true);
    expect(entryKeyOf(definition, entered)).toBe('2');
    expect(triggers(definition, membershipEvent('Segment Entered', 'staff', 1), null)).toBe(false);
    expect(triggers(definition, membershipEvent('Segment Left', 'vip', 1), null)).toBe(false);
    expect([...eventsOfInterest(definition)]).toEqual(['Segment Entered']);
    const leave = definitionOf({ segment: 'vip', on: 'leave' });
    expect(triggers(leave, membershipEvent('Segment Left', 'vip', 1), null)).toBe(true);
  });

  it('routing listens to its own segment’s membership events only, unless a run reacts to them by name', () => {
    const keys = routingKeysOf(definitionOf({ segment: 'vip', on: 'enter' }));
    const of = (name: string, segment: string) => routedBy(keys, membershipEvent(name, segment, 1));
    expect([of('Segment Entered', 'vip'), of('Segment Entered', 'staff'), of('Segment Left', 'vip')]).toEqual(
      [true, false, false],
    );
    // An exit on any segment's exit concerns every one.
    const result = validateJourney({
      id: 'k',
      name: 'K',
      trigger: { event: 'Product Added' },
      exit: [{ event: 'Segment Left' }],
      steps,
    });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(routedBy(routingKeysOf(result.definition), membershipEvent('Segment Left', 'staff', 1))).toBe(
      true,
    );
  });

  it('never starts a scheduled journey from an event', () => {
    const definition = definitionOf({ segment: 'vip', schedule: '0 10 * * *' });
    expect(definition.trigger).toEqual({ segment: 'vip', schedule: '0 10 * * *', timeZone: 'customer' });
    expect(triggers(definition, membershipEvent('Segment Entered', 'vip', 1), null)).toBe(false);
    expect(eventsOfInterest(definition).size).toBe(0);
  });

  it('names what is wrong with a trigger, at its path', () => {
    expect(problemsOf({ segment: 'vip', on: 'enterr' })).toEqual([
      'trigger.on: expected one of "enter", "leave", got "enterr" (did you mean "enter"?)',
    ]);
    expect(problemsOf({ segment: 'vip', schedule: '0 10 * *' })).toEqual([
      'trigger.schedule: "0 10 * *" has 4 field(s): a cron expression has 5, "minute hour day-of-month month day-of-week" (e.g. "0 10 * * *")',
    ]);
    expect(problemsOf({ segment: 'vip', schedule: '0 10 * * *', timeZone: 'Mars/Olympus' })).toEqual([
      'trigger.timeZone: must be "customer" or an IANA time zone such as Europe/Paris',
    ]);
    expect(problemsOf({ segment: 'Vip!', on: 'enter' })).toEqual([
      'trigger.segment: must be lower-case letters, digits and dashes',
    ]);
    expect(problemsOf({ segment: 'vip', on: 'enter', schedule: '0 10 * * *' })).toEqual([
      'trigger: must be one of { event, where?, entryKey? }, { segment, on: enter | leave } or { segment, schedule, timeZone? }',
    ]);
    expect(problemsOf({})).toEqual(['trigger.event: required: expected a string']);
  });

  it('draws the trigger in words', () => {
    expect(journeyToMermaid(definitionOf({ segment: 'vip', on: 'enter' }))).toContain(
      'trigger(["When: segment vip entered"])',
    );
    expect(journeyToMermaid(definitionOf({ segment: 'vip', schedule: '0 10 * * *' }))).toContain(
      "When: segment vip on schedule 0 10 ∗ ∗ ∗ (each<br/>customer's time zone)",
    );
  });
});
