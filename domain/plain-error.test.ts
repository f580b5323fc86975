import { describe as group, expect, it } from 'vitest';
import { z } from 'zod';
import { describe, plainError } from './plain-error.js';
import { problemsOf, segmentMessage } from './segment-message.js';

const messageOf = (schema: z.ZodType, input: unknown) => {
  const parsed = schema.safeParse(input, { error: plainError });
  return parsed.success ? undefined : parsed.error.issues[0]?.message;
};

group('plainError', () => {
  it('names what was expected and what came', () => {
    expect(messageOf(z.object({ n: z.string() }), { n: 5 })).toBe('expected a string, got the number 5');
    expect(messageOf(z.object({ n: z.string() }), {})).toBe('required: expected a string');
    expect(messageOf(z.string().max(3), 'abcdef')).toBe('at most 3 characters, got 6');
    expect(messageOf(z.array(z.number()).min(2), [1])).toBe('at least 2 items, got 1');
    expect(messageOf(z.string().min(1), '')).toBe('must not be empty');
    expect(messageOf(z.enum(['a', 'b']), 'c')).toBe('expected one of "a", "b", got "c"');
    expect(messageOf(z.url(), 'nope')).toBe('expected a URL, got "nope"');
    expect(messageOf(z.strictObject({}), { x: 1, y: 2 })).toBe('unknown fields "x", "y"');
  });

  it('describes values briefly', () => {
    expect(describe('x'.repeat(300))).toBe(`"${'x'.repeat(40)}…" (300 characters)`);
    expect([describe(null), describe([]), describe([1]), describe({}), describe(true)]).toEqual([
      'null',
      'an empty list',
      'a list of 1 item',
      'an object',
      'true',
    ]);
  });

  it("speaks plainly for the ingest API's fields (the issue's example)", () => {
    const parsed = segmentMessage.safeParse(
      { type: 'track', userId: 'u', event: 'E', timestamp: 1733000000 },
      { error: plainError },
    );
    expect(parsed.success).toBe(false);
    if (!parsed.success)
      expect(problemsOf(parsed.error, 'batch[3]')).toEqual([
        {
          path: 'batch[3].timestamp',
          message: 'expected an ISO-8601 date string, got the number 1733000000',
        },
      ]);
    expect(messageOf(segmentMessage, { type: 'dance', userId: 'u' })).toBe(
      'expected one of "track", "identify", "page", "screen", "group", "alias", got "dance"',
    );
    expect(messageOf(segmentMessage, { type: 'track', userId: 'u', event: 'E', properties: [] })).toBe(
      'expected an object, got an empty list',
    );
  });
});
