import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SegmentCondition, SegmentDefinition } from './segment-definition.js';
import { evaluateSegment, eventMatches, type SegmentFacts } from './segment-evaluation.js';

const day = 86_400_000;
const t0 = Date.UTC(2026, 0, 1);
const at = (ms: number) => new Date(t0 + ms);

const facts = (eventTimes: Record<number, number[]>, more: Partial<SegmentFacts> = {}): SegmentFacts => ({
  traits: {},
  reachable: {},
  segments: {},
  ...more,
  eventTimes: new Map(Object.entries(eventTimes).map(([i, times]) => [Number(i), times.map(at)])),
});

const noOrder: SegmentDefinition = {
  id: 'lapsed',
  name: 'Lapsed',
  match: 'all',
  conditions: [{ event: 'Order Completed', count: { eq: 0 }, within: '60d' }],
};
const browsers: SegmentDefinition = {
  id: 'browsers',
  name: 'Browsers',
  match: 'all',
  conditions: [{ event: 'Product Viewed', count: { gte: 3 }, within: '7d' }],
};

describe('segment evaluation', () => {
  it('"no order in 60 d" flips exactly 60 days after the last order, and says so', () => {
    const orders = facts({ 0: [0, 10 * day] });
    expect(evaluateSegment(noOrder, orders, at(20 * day))).toEqual({
      member: false,
      since: at(0),
      nextCheckAt: at(70 * day),
    });
    expect(evaluateSegment(noOrder, orders, at(70 * day - 1)).member).toBe(false);
    expect(evaluateSegment(noOrder, orders, at(71 * day))).toEqual({ member: true, since: at(70 * day) });
    // Never ordered: in, with no edge to wait for.
    expect(evaluateSegment(noOrder, facts({}), at(0))).toEqual({ member: true });
  });

  it('"3 views in 7 d" enters on the third view and leaves when the oldest counted view is 7 days old', () => {
    const views = facts({ 0: [0, 1 * day, 2 * day] });
    expect(evaluateSegment(browsers, views, at(2 * day))).toEqual({
      member: true,
      since: at(2 * day),
      nextCheckAt: at(7 * day),
    });
    expect(evaluateSegment(browsers, views, at(2 * day - 1)).member).toBe(false);
    // A fourth view keeps them in until the second view ages out.
    const four = facts({ 0: [0, 1 * day, 2 * day, 3 * day] });
    expect(evaluateSegment(browsers, four, at(3 * day)).nextCheckAt).toEqual(at(8 * day));
  });

  it('combines with any, not, traits, reachability and other segments', () => {
    const definition: SegmentDefinition = {
      id: 'mix',
      name: 'Mix',
      match: 'any',
      conditions: [
        { trait: { path: 'plan', op: 'eq', value: 'pro' } },
        { not: { segment: 'staff' } } satisfies SegmentCondition,
      ],
    };
    expect(evaluateSegment(definition, facts({}, { segments: { staff: true } }), at(0)).member).toBe(false);
    expect(evaluateSegment(definition, facts({}, { segments: { staff: false } }), at(0)).member).toBe(true);
    expect(
      evaluateSegment(definition, facts({}, { segments: { staff: true }, traits: { plan: 'pro' } }), at(0))
        .member,
    ).toBe(true);
    const reach: SegmentDefinition = { ...definition, match: 'all', conditions: [{ reachable: 'email' }] };
    expect(evaluateSegment(reach, facts({}, { reachable: { email: true } }), at(0)).member).toBe(true);
    expect(evaluateSegment(reach, facts({}, { reachable: { sms: true } }), at(0)).member).toBe(false);
  });

  it('matches events by name and where', () => {
    const condition = {
      event: 'Product Viewed',
      where: { path: 'event.properties.category', op: 'eq' as const, value: 'shoes' },
      count: { gte: 1 },
    };
    const event = { name: 'Product Viewed', properties: { category: 'shoes' }, occurredAt: at(0) };
    expect(eventMatches(condition, event)).toBe(true);
    expect(eventMatches(condition, { ...event, properties: { category: 'hats' } })).toBe(false);
    expect(eventMatches(condition, { ...event, name: 'Order Completed' })).toBe(false);
  });

  const counted = fc.record({
    op: fc.constantFrom('gte', 'lte', 'eq'),
    n: fc.integer({ min: 0, max: 4 }),
    days: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
    negate: fc.boolean(),
  });
  const scenario = fc.record({
    match: fc.constantFrom('all' as const, 'any' as const),
    conditions: fc.array(counted, { minLength: 1, maxLength: 3 }),
    times: fc.array(fc.array(fc.integer({ min: 0, max: 60 * day }), { maxLength: 6 }), {
      minLength: 3,
      maxLength: 3,
    }),
    now: fc.integer({ min: 0, max: 90 * day }),
    probe: fc.double({ min: 0, max: 1, noNaN: true }),
  });
  type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;
  const build = (s: Scenario): [SegmentDefinition, SegmentFacts] => [
    {
      id: 'p',
      name: 'P',
      match: s.match,
      conditions: s.conditions.map(({ op, n, days, negate }) => {
        const basic = { event: 'E', count: { [op]: n }, ...(days ? { within: `${days}d` } : {}) };
        return negate ? { not: basic } : basic;
      }),
    },
    facts(Object.fromEntries(s.times.map((times, i) => [i, times]))),
  ];

  it('the answer holds from `since` up to just before `nextCheckAt`, and flips there (property)', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const [definition, f] = build(s);
        const answer = evaluateSegment(definition, f, at(s.now));
        const memberAt = (ms: number) => evaluateSegment(definition, f, at(ms)).member;
        const until = answer.nextCheckAt ? answer.nextCheckAt.getTime() - t0 : 200 * day;
        expect(memberAt(until - 1)).toBe(answer.member);
        expect(memberAt(s.now + Math.floor((until - 1 - s.now) * s.probe))).toBe(answer.member);
        if (answer.nextCheckAt) expect(memberAt(until)).toBe(!answer.member);
        if (answer.since) {
          const since = answer.since.getTime() - t0;
          expect(since).toBeLessThanOrEqual(s.now);
          expect(memberAt(since)).toBe(answer.member);
          expect(memberAt(since - 1)).toBe(!answer.member);
        }
      }),
      { numRuns: 300 },
    );
  });
});
