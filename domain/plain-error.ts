import type { z } from 'zod';

/**
 * Validation messages in plain words, for every schema a person's input meets (ingest calls,
 * journey definitions, push subscriptions): what was expected and what was received, e.g.
 * `expected an ISO-8601 date string, got the number 1733000000`. Passed as the `error` option of
 * a parse, so a schema's own message (a refine's) still wins.
 */
export function plainError(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? `required: expected ${withArticle(issue.expected)}`
        : `expected ${withArticle(issue.expected)}, got ${describe(issue.input)}`;
    case 'too_big':
      return `${bound('at most', issue.origin, issue.maximum)}, got ${measure(issue.origin, issue.input)}`;
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'must not be empty';
      return `${bound('at least', issue.origin, issue.minimum)}, got ${measure(issue.origin, issue.input)}`;
    case 'invalid_format':
      return `expected ${formats[issue.format] ?? `a ${issue.format}`}, got ${describe(issue.input)}`;
    case 'invalid_value':
      return `expected ${oneOf(issue.values)}, got ${describe(issue.input)}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
    default:
      return undefined;
  }
}

const formats: Record<string, string> = {
  datetime: 'an ISO-8601 date string',
  date: 'a date (YYYY-MM-DD)',
  url: 'a URL',
  email: 'an email address',
  uuid: 'a UUID',
};

const articles: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  date: 'a date',
  record: 'an object',
};

function withArticle(expected: string): string {
  return articles[expected] ?? expected;
}

function bound(word: string, origin: string, limit: number | bigint): string {
  if (origin === 'string') return `${word} ${limit} characters`;
  if (origin === 'array' || origin === 'set') return `${word} ${limit} items`;
  return `${word} ${limit}`;
}

function measure(origin: string, input: unknown): string {
  if (origin === 'string' && typeof input === 'string') return `${input.length}`;
  if ((origin === 'array' || origin === 'set') && Array.isArray(input)) return `${input.length}`;
  return describe(input);
}

function oneOf(values: readonly unknown[]): string {
  const shown = values.map((value) => JSON.stringify(value));
  return shown.length === 1 ? (shown[0] ?? '') : `one of ${shown.join(', ')}`;
}

/** A received value as a person would name it: `the number 1733000000`, `"x…" (300 characters)`, `null`. */
export function describe(input: unknown): string {
  if (input === null) return 'null';
  if (input === undefined) return 'nothing';
  if (Array.isArray(input))
    return input.length === 0
      ? 'an empty list'
      : `a list of ${input.length} item${input.length === 1 ? '' : 's'}`;
  if (typeof input === 'string')
    return input.length > 40 ? `"${input.slice(0, 40)}…" (${input.length} characters)` : `"${input}"`;
  if (typeof input === 'number' || typeof input === 'bigint') return `the number ${input}`;
  if (typeof input === 'boolean') return `${input}`;
  if (typeof input === 'object') return 'an object';
  return typeof input;
}
