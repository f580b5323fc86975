import { describe, expect, it } from 'vitest';
import { journey, send } from '../test/helpers/steps.js';
import { builtInJourneys } from '../journeys/index.js';
import { checkJourney } from './journey-catalog.js';
import { templateProblems } from './template-check.js';

const broken = {
  email: {
    subject: 'Hi {{ frist_name }}',
    html: '<p>{% if profile.traits.vip %}VIP</p>',
    text: '{{ profile.traits.name | shout }}',
  },
};
const reminder = (category: 'marketing' | 'transactional') =>
  journey({ steps: [send({ id: 'remind', template: 'broken', category })] });

describe('templates checked at validate and deploy', () => {
  it('names an unknown variable, an unclosed tag and an unknown filter at the step that uses the template', () => {
    const problems = templateProblems(reminder('transactional'), { broken });
    expect(problems.map((p) => p.path)).toEqual([
      'steps[0].template (templates.broken.email.subject)',
      'steps[0].template (templates.broken.email.html)',
      'steps[0].template (templates.broken.email.text)',
    ]);
    expect(problems[0]?.message).toMatch(/unknown variable "frist_name"/);
    expect(problems[1]?.message).toMatch(/does not parse: .*tag .*not closed/i);
    expect(problems[2]?.message).toMatch(/does not parse: .*undefined filter: shout/i);
  });

  it('validate and deploy (checkJourney) refuse the journey, naming the step and the part', () => {
    expect(() => checkJourney(reminder('transactional'), 'reminder.yaml', { broken })).toThrow(
      /reminder\.yaml is not a valid journey: steps\[0\]\.template \(templates\.broken\.email\.subject\): unknown variable "frist_name"/,
    );
  });

  it('a template sent as marketing must also carry a visible unsubscribe link', () => {
    const paths = templateProblems(reminder('marketing'), { broken }).map((p) => p.message);
    expect(paths.some((message) => /unsubscribe/i.test(message))).toBe(true);
  });

  it('the built-in journeys and their templates pass', () => {
    for (const input of builtInJourneys) {
      const { definition } = checkJourney(input, input.id);
      expect(templateProblems(definition), definition.id).toEqual([]);
    }
  });
});
