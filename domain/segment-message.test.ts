import { describe, expect, it } from 'vitest';
import { problemsOf, segmentMessage } from './segment-message.js';

const parse = (message: Record<string, unknown>) => segmentMessage.safeParse(message);
const problemPaths = (message: Record<string, unknown>) => {
  const parsed = parse(message);
  return parsed.success ? [] : problemsOf(parsed.error).map((problem) => problem.path);
};

describe('segment message ids', () => {
  it('keeps string ids and safe-integer ids, as strings', () => {
    const parsed = parse({ type: 'track', event: 'E', userId: 42, anonymousId: ' a1 ' });
    expect(parsed.success && [parsed.data.userId, parsed.data.anonymousId]).toEqual(['42', 'a1']);
    const largest = parse({ type: 'track', event: 'E', userId: Number.MAX_SAFE_INTEGER });
    expect(largest.success && largest.data.userId).toBe('9007199254740991');
  });

  it('refuses a numeric id JSON.parse could not hold exactly, naming the field', () => {
    const body = JSON.parse('{"type":"track","event":"E","userId":12345678901234567891}') as Record<
      string,
      unknown
    >;
    expect(problemPaths(body)).toEqual(['userId']);
    const parsed = parse(body);
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(problemsOf(parsed.error)[0]?.message).toContain('integer');
    expect(problemPaths({ type: 'track', event: 'E', userId: 'u', anonymousId: 2 ** 53 })).toEqual([
      'anonymousId',
    ]);
    expect(problemPaths({ type: 'alias', userId: 'u', previousId: -(2 ** 53) })).toEqual(['previousId']);
    expect(problemPaths({ type: 'track', event: 'E', userId: 1.5 })).toEqual(['userId']);
    expect(problemPaths({ type: 'track', event: 'E', userId: Number.NaN })).toEqual(['userId']);
  });

  it('names the item in a batch', () => {
    const parsed = parse({ type: 'track', event: 'E', userId: 2 ** 60 });
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(problemsOf(parsed.error, 'batch[3]')[0]?.path).toBe('batch[3].userId');
  });
});

describe('segment message objects', () => {
  it('keeps every key of properties as the wire carried it, __proto__ included', () => {
    const body = JSON.parse(
      '{"type":"track","event":"E","userId":"u","properties":{"__proto__":{"a":1},"b":2}}',
    );
    const parsed = segmentMessage.safeParse(body);
    expect(parsed.success && parsed.data.type === 'track' && parsed.data.properties).toEqual(
      JSON.parse('{"__proto__":{"a":1},"b":2}'),
    );
    expect(
      parsed.success && Object.keys(parsed.data.type === 'track' ? (parsed.data.properties ?? {}) : {}),
    ).toEqual(['__proto__', 'b']);
  });

  it('refuses properties that are not an object, naming the field', () => {
    for (const properties of ['x', [1], null, 3])
      expect(problemPaths({ type: 'track', event: 'E', userId: 'u', properties })).toEqual(['properties']);
  });

  it("refuses the engine's own membership events from clients, naming the reserved names", () => {
    for (const event of ['Segment Entered', 'Segment Left']) {
      const parsed = parse({ type: 'track', event, userId: 'u' });
      expect(!parsed.success && problemsOf(parsed.error)).toEqual([
        {
          path: 'event',
          message: `"${event}" is reserved: the engine records Segment Entered and Segment Left itself when a customer enters or leaves a segment`,
        },
      ]);
    }
  });
});
