import { describe, expect, it } from 'vitest';
import { referencedSegments, validateSegment } from './segment-definition.js';
import { formatSegmentProblem, parseSegmentText } from './segment-file.js';

const shoeBrowsers = `id: shoe-browsers
name: Shoe browsers who never bought
match: all
conditions:
  - trait: { path: plan, op: eq, value: pro }
  - event: Product Viewed
    where: { path: event.properties.category, op: eq, value: shoes }
    count: { gte: 3 }
    within: 7d
  - event: Order Completed
    count: { eq: 0 }
    within: 60d
  - reachable: email
  - not: { segment: staff }
`;

const problemsOf = (text: string, known = new Map<string, string[]>()) => {
  const parsed = parseSegmentText(text, known);
  if (parsed.ok) throw new Error('expected problems');
  return parsed.problems;
};

describe('segment definitions', () => {
  it('reads the documented format, with defaults', () => {
    const parsed = parseSegmentText(shoeBrowsers, new Map([['staff', []]]));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(parsed.definition.conditions[1]).toMatchObject({ event: 'Product Viewed', count: { gte: 3 } });
    expect(referencedSegments(parsed.definition)).toEqual(['staff']);
    const minimal = validateSegment({ id: 'x', name: 'X', conditions: [{ event: 'Signed Up' }] });
    expect(minimal.ok && minimal.definition).toMatchObject({
      match: 'all',
      conditions: [{ event: 'Signed Up', count: { gte: 1 } }],
    });
  });

  it('names the file, line, column and path of each problem, with did-you-mean', () => {
    const problems = problemsOf(
      `id: Bad_Id\nname: x\nconditions:\n  - event: Order Completed\n    withn: 60d\n  - reachable: fax\n`,
    );
    expect(problems.map((p) => formatSegmentProblem('seg.yaml', p))).toEqual([
      'seg.yaml:1:5: id: must be lower-case letters, digits and dashes',
      'seg.yaml:5:5: conditions[0].withn: unknown field "withn" (did you mean "within"?)',
      'seg.yaml:6:16: conditions[1].reachable: expected one of "email", "sms", "push", "webhook", got "fax"',
    ]);
  });

  it('refuses a condition of no known kind, counts with not exactly one bound, bad windows and where paths', () => {
    const problems = problemsOf(
      JSON.stringify({
        id: 'x',
        name: 'X',
        conditions: [
          { evnt: 'A' },
          { event: 'A', count: { gte: 1, lte: 3 } },
          { event: 'A', within: 'soon' },
          { event: 'A', where: { path: 'profile.plan', op: 'exists' } },
          { trait: { path: 'plan', op: 'eq' } },
        ],
      }),
    );
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'conditions[0]: expected a condition with one of trait, event, reachable, segment, not (did you mean "event"?)',
      'conditions[1].count: give exactly one of gte, lte, eq',
      'conditions[2].within: expected a duration such as 7d, 12h or 2w, got "soon"',
      'conditions[3].where: may read only the event (event.properties.…), not profile.plan',
      'conditions[4].trait.value: is required for eq',
    ]);
  });

  it('refuses an unknown segment with did-you-mean, and a loop of references', () => {
    const known = new Map([
      ['vip', ['loyal']],
      ['loyal', []],
    ]);
    expect(problemsOf(`id: a\nname: A\nconditions:\n  - segment: vips\n`, known)).toEqual([
      {
        path: 'conditions[0].segment',
        line: 4,
        column: 14,
        message: 'unknown segment "vips" (did you mean "vip"?)',
      },
    ]);
    const loop = new Map([
      ['vip', ['loyal']],
      ['loyal', ['a']],
    ]);
    expect(problemsOf(`id: a\nname: A\nconditions:\n  - not: { segment: vip }\n`, loop)[0]?.message).toBe(
      'segments may not refer in a loop: a → vip → loyal → a',
    );
    expect(problemsOf(`id: a\nname: A\nconditions:\n  - segment: a\n`)[0]?.message).toBe(
      'segments may not refer in a loop: a → a',
    );
  });

  it('reports YAML syntax errors at their line', () => {
    expect(problemsOf('id: a\nname: [\n')[0]).toMatchObject({ path: '(file)', line: 3 });
  });
});
