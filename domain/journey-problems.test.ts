import { describe, expect, it } from 'vitest';
import { validateJourney } from './journey-definition.js';
import { stepIdAt } from './journey-problems.js';

const problemsOf = (input: unknown) => {
  const result = validateJourney(input);
  return result.ok ? [] : result.problems;
};

describe('journey problems a marketer can act on', () => {
  const base = { id: 'j', name: 'J', trigger: { event: 'Signed Up' } };

  it('suggests the field, the condition op and the step type that were meant', () => {
    expect(
      problemsOf({
        ...base,
        descripton: 'x',
        steps: [
          { id: 'w', type: 'wait', duration: '1h', nxt: 'b' },
          {
            id: 'b',
            type: 'branch',
            when: { not: { path: 'profile.plan', op: 'notexist' } },
            then: 'w',
            else: 'w',
          },
          { id: 's', type: 'sendd' },
        ],
      }),
    ).toEqual(
      expect.arrayContaining([
        { path: 'descripton', message: 'unknown field "descripton" (did you mean "description"?)' },
        { path: 'steps[0].nxt', message: 'unknown field "nxt" (did you mean "next"?)' },
        {
          path: 'steps[1].when.not.op',
          message: expect.stringMatching(/got "notexist" \(did you mean "notExists"\?\)$/),
        },
        {
          path: 'steps[2].type',
          message: expect.stringMatching(/^unknown step type "sendd" \(did you mean "send"\?\)/),
        },
      ]),
    );
  });

  it('suggests nothing when nothing is close, and names the step a path is in', () => {
    const [problem] = problemsOf({
      ...base,
      steps: [{ id: 'w', type: 'wait', duration: '1h', colour: 'red' }],
    });
    expect(problem).toEqual({ path: 'steps[0].colour', message: 'unknown field "colour"' });
    expect(stepIdAt('steps[0].colour', { steps: [{ id: 'w' }] })).toBe('w');
    expect(stepIdAt('trigger.event', { steps: [{ id: 'w' }] })).toBeUndefined();
  });
});
