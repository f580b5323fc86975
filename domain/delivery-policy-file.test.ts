import { describe, expect, it } from 'vitest';
import { capHit, defaultCaps } from './frequency-caps.js';
import { defaultQuietHours, quietHoursOn } from './quiet-hours.js';
import { checkPolicy, formatPolicyProblem, parsePolicyText } from './delivery-policy-file.js';
import { defaultPolicyRules, policyRules } from './delivery-policy.js';

const good = `caps:
  - id: marketing-per-day
    max: 1
    window: 1d
  - id: promo-sms-per-week
    max: 2
    window: 7d
    channel: sms
    tag: promo
quietHours:
  start: "22:00"
  end: "08:00"
  jitter: 15m
  channels:
    sms: { start: "20:00", end: "10:00" }
`;

const problemsOf = (text: string) => {
  const parsed = parsePolicyText(text);
  if (parsed.ok) throw new Error('expected problems');
  return parsed.problems;
};

describe('delivery policy files', () => {
  it('turns a valid file into the rules the decision applies', () => {
    const parsed = parsePolicyText(good);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const rules = policyRules(parsed.policy, defaultPolicyRules);
    expect(rules.caps).toEqual([
      { id: 'marketing-per-day', max: 1, windowMs: 86_400_000 },
      { id: 'promo-sms-per-week', max: 2, windowMs: 7 * 86_400_000, channel: 'sms', tag: 'promo' },
    ]);
    expect(quietHoursOn(rules.quietHours, 'email')).toEqual({
      id: 'quiet-hours',
      start: '22:00',
      end: '08:00',
      jitterMinutes: 15,
    });
    expect(quietHoursOn(rules.quietHours, 'sms')).toMatchObject({ id: 'quiet-hours:sms', start: '20:00' });
  });

  it('keeps the defaults of a section left out', () => {
    const parsed = parsePolicyText('caps: []\n');
    if (!parsed.ok) throw new Error('expected ok');
    expect(policyRules(parsed.policy, defaultPolicyRules)).toEqual({
      caps: [],
      quietHours: defaultQuietHours,
    });
    const empty = parsePolicyText('');
    if (!empty.ok) throw new Error('expected ok');
    expect(policyRules(empty.policy, defaultPolicyRules).caps).toBe(defaultCaps);
  });

  it('names path, line, column and a suggestion for a misspelt key', () => {
    const text = good.replace('    window: 7d', '    windw: 7d');
    expect(problemsOf(text)).toEqual([
      {
        path: 'caps[1].windw',
        line: 7,
        column: 5,
        message: 'unknown field "windw" (did you mean "window"?)',
      },
    ]);
    expect(problemsOf('caps:\n  - id: a\n    max: 1\n')).toEqual([
      { path: 'caps[0].window', line: 2, column: 5, message: 'required: expected a string' },
    ]);
    expect(problemsOf('quietHour:\n  start: "21:00"\n')[0]).toMatchObject({
      path: 'quietHour',
      line: 1,
      message: 'unknown field "quietHour" (did you mean "quietHours"?)',
    });
  });

  it('names the line of a bad value and of a YAML syntax error', () => {
    const [bad] = problemsOf(good.replace('window: 1d', 'window: daily'));
    expect(bad).toEqual({
      path: 'caps[0].window',
      line: 4,
      column: 13,
      message: 'expected a duration such as 1d or 7d',
    });
    expect(formatPolicyProblem('policy.yaml', bad!)).toBe(
      'policy.yaml:4:13: caps[0].window: expected a duration such as 1d or 7d',
    );
    const [syntax] = problemsOf('caps:\n  - id: x\n   max: 1\n');
    expect(syntax).toMatchObject({ path: '(file)', line: 3 });
    expect(problemsOf(good.replace('"22:00"', '"25:00"'))[0]).toMatchObject({
      path: 'quietHours.start',
      line: 11,
    });
  });

  it('refuses duplicate cap ids and unknown channels', () => {
    const twice = good.replace('promo-sms-per-week', 'marketing-per-day');
    expect(problemsOf(twice)[0]).toMatchObject({
      path: 'caps[1].id',
      message: 'duplicate cap id "marketing-per-day"',
    });
    expect(problemsOf(good.replace('channel: sms', 'channel: fax'))[0]).toMatchObject({
      path: 'caps[1].channel',
      line: 8,
    });
  });

  it('checks a JSON body by path', () => {
    expect(checkPolicy({ caps: [{ id: 'a', max: 1, windw: '1d' }] })).toMatchObject({
      ok: false,
      problems: [{ path: 'caps[0].windw', message: 'unknown field "windw" (did you mean "window"?)' }],
    });
  });

  it('a cap limits transactional messages only when it names their category', () => {
    const now = new Date('2026-11-20T12:00:00Z');
    const recent = [
      { channel: 'email' as const, journeyId: 'j', tags: [], at: new Date(now.getTime() - 60_000) },
    ];
    const receipt = {
      channel: 'email' as const,
      journeyId: 'j',
      tags: [],
      category: 'transactional' as const,
    };
    const marketingCap = { id: 'one', max: 1, windowMs: 86_400_000 };
    expect(capHit([marketingCap], recent, receipt, now)).toBeUndefined();
    expect(capHit([marketingCap], recent, { ...receipt, category: 'marketing' }, now)?.rule.id).toBe('one');
    const receipts = { ...marketingCap, id: 'receipts', category: 'transactional' as const };
    expect(capHit([receipts], recent, receipt, now)?.rule.id).toBe('receipts');
    expect(capHit([receipts], recent, { ...receipt, category: 'marketing' }, now)).toBeUndefined();
  });
});
