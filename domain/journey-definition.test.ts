import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtInJourneys } from '../journeys/index.js';
import { templateIds } from '../journeys/templates.js';
import { validateJourney, type JourneyDefinitionInput } from './journey-definition.js';

const base: JourneyDefinitionInput = {
  id: 'test-journey',
  name: 'Test',
  trigger: { event: 'Product Added', entryKey: 'trigger.properties.cart_id' },
  steps: [
    { id: 'wait', type: 'wait', duration: '1h' },
    { id: 'send', type: 'send', template: 'cart-reminder', channels: ['email'], intentKey: 'x' },
  ],
};
const problemsOf = (input: unknown) => {
  const result = validateJourney(input, { templates: templateIds });
  return result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
};

describe('journey validation', () => {
  it('accepts every built-in journey', () => {
    for (const journey of builtInJourneys) expect(problemsOf(journey), journey.id).toEqual([]);
  });

  it('names the path of an unknown step reference', () => {
    const problems = problemsOf({
      ...base,
      steps: [
        {
          id: 'b',
          type: 'branch',
          when: { path: 'profile.orderCount', op: 'gt', value: 0 },
          then: 'nowhere',
          else: 'end',
        },
        { id: 'end', type: 'end' },
      ],
    });
    expect(problems).toEqual(['steps[0].then: unknown step "nowhere"']);
  });

  it('refuses a negative or malformed duration', () => {
    expect(problemsOf({ ...base, steps: [{ id: 'w', type: 'wait', duration: '-1h' }] })).toEqual([
      'steps[0].duration: is not a duration (e.g. 30m, 1h, 2d; never negative)',
    ]);
    expect(problemsOf({ ...base, reEntry: { mode: 'cooldown', cooldown: 'soon' } })[0]).toMatch(
      /^reEntry\.cooldown: is not a duration/,
    );
  });

  it('refuses an unknown template', () => {
    expect(
      problemsOf({
        ...base,
        steps: [{ id: 's', type: 'send', template: 'nope', channels: ['email'], intentKey: 'k' }],
      }),
    ).toEqual(['steps[0].template: unknown template "nope"']);
  });

  it('refuses an unreachable step', () => {
    const problems = problemsOf({
      ...base,
      steps: [
        { id: 'first', type: 'wait', duration: '1h', next: 'last' },
        { id: 'orphan', type: 'wait', duration: '1h' },
        { id: 'last', type: 'end' },
      ],
    });
    expect(problems).toEqual(['steps[1]: step "orphan" is unreachable']);
  });

  it('refuses a cycle without a wait, and accepts one with a wait', () => {
    const loop = (withWait: boolean): JourneyDefinitionInput => ({
      ...base,
      steps: [
        {
          id: 'check',
          type: 'branch',
          when: { path: 'profile.orderCount', op: 'gt', value: 0 },
          then: 'done',
          else: withWait ? 'pause' : 'nudge',
        },
        ...(withWait ? [{ id: 'pause', type: 'wait' as const, duration: '1d' }] : []),
        {
          id: 'nudge',
          type: 'send',
          template: 'cart-reminder',
          channels: ['email'],
          intentKey: 'k',
          next: 'check',
        },
        { id: 'done', type: 'end' },
      ],
    });
    expect(problemsOf(loop(false))).toEqual(['steps[0]: loop without a wait: check → nudge → check']);
    expect(problemsOf(loop(true))).toEqual([]);
  });

  it('reports several problems at once, each with its path', () => {
    const problems = problemsOf({
      id: 'Bad Id',
      name: '',
      trigger: {},
      steps: [{ id: 's', type: 'teleport' }],
      extra: 1,
    });
    expect(problems.length).toBeGreaterThanOrEqual(4);
    expect(problems.some((p) => p.startsWith('id:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('trigger.event:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('steps[0]'))).toBe(true);
  });

  it('never throws, whatever it is given', () => {
    const step = fc.record(
      {
        id: fc.oneof(fc.constantFrom('a', 'b', 'c', 'd'), fc.string()),
        type: fc.constantFrom(
          'wait',
          'waitUntil',
          'waitForEvent',
          'branch',
          'split',
          'send',
          'updateProfile',
          'end',
          'x',
        ),
        duration: fc.oneof(fc.constantFrom('1h', '-1h', '0s'), fc.string()),
        next: fc.constantFrom('a', 'b', 'c', 'd', 'zz'),
        then: fc.constantFrom('a', 'b', 'c', 'd'),
        else: fc.constantFrom('a', 'b', 'c', 'd'),
        when: fc.oneof(fc.constant({ path: 'profile.x', op: 'eq', value: 1 }), fc.jsonValue()),
        template: fc.constantFrom('cart-reminder', 'nope'),
        channels: fc.array(fc.constantFrom('email', 'sms', 'push', 'fax'), { maxLength: 3 }),
        intentKey: fc.string(),
        arms: fc.array(
          fc.record({
            name: fc.string(),
            percent: fc.integer({ min: -10, max: 110 }),
            next: fc.constantFrom('a', 'b'),
          }),
          { maxLength: 3 },
        ),
      },
      { requiredKeys: ['id', 'type'] },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({
            id: fc.constant('j'),
            name: fc.constant('J'),
            trigger: fc.constant({ event: 'E' }),
            steps: fc.array(step, { maxLength: 6 }),
          }),
          fc.jsonValue(),
        ),
        (input) => {
          const result = validateJourney(input, { templates: templateIds });
          return result.ok || result.problems.length > 0;
        },
      ),
      { numRuns: 2000 },
    );
  });
});
