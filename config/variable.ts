import { z } from 'zod';
import { formatDuration, parseDuration } from '../domain/duration.js';
import { parseRateLimit } from '../domain/token-bucket.js';

/**
 * `variable(schema, { fix, default })`: one environment variable's schema, its fix hint and its
 * default, written together. An empty value counts as unset (a `.env` line like `API_PORT=`).
 */

/** The fix hint of each variable's schema, read back when that variable is refused. */
export const fixHints = z.registry<{ fix: string }>();

type Value<T extends z.ZodType> = NonNullable<z.output<T>>;

export function variable<T extends z.ZodType>(
  type: T,
  spec: { fix: string },
): z.ZodPipe<z.ZodTransform, z.ZodOptional<T>>;
export function variable<T extends z.ZodType>(
  type: T,
  spec: { fix: string; default: Value<T> | (() => Value<T>) },
): z.ZodPipe<z.ZodTransform, z.ZodDefault<T>>;
export function variable(type: z.ZodType, spec: { fix: string; default?: unknown }): z.ZodType {
  const fallback = spec.default;
  // A function default is read at each load (LOG_FORMAT looks at the terminal of the moment).
  const inner =
    fallback === undefined ? type.optional() : type.default(isThunk(fallback) ? fallback : () => fallback);
  return z.preprocess(emptyAsUndefined, inner).register(fixHints, { fix: spec.fix });
}

const isThunk = (value: unknown): value is () => unknown => typeof value === 'function';
const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

// ── Types several variables share ──────────────────────────────────────────────────────────────

export const postgresUrl = z
  .string()
  .trim()
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
      } catch {
        return false;
      }
    },
    { message: 'is not a PostgreSQL URL' },
  );

export const hostPort = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9.[\]:-]+:\d{1,5}$/, { message: 'is not host:port' });

export const port = z.coerce.number().int().min(0).max(65535);

export const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

export const httpUrl = z.url({ protocol: /^https?$/ });

/** A web origin as a browser sends it: `https://shop.example.com` or `http://127.0.0.1:8080`, nothing after. */
export function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

export const wholeNumber = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const atLeast = (characters: number) =>
  z.string().min(characters, { message: `is shorter than ${characters} characters` });

/** A duration such as `5m`, `90s` or `1h 30m`, as milliseconds, at most `maxMs`. */
export const duration = (maxMs: number) =>
  z
    .string()
    .trim()
    .transform((value, context) => {
      const ms = parseDuration(value);
      if (ms !== undefined && ms <= maxMs) return ms;
      context.issues.push({
        code: 'custom',
        input: value,
        message: ms === undefined ? 'is not a duration (e.g. 5m)' : `is longer than ${formatDuration(maxMs)}`,
      });
      return z.NEVER;
    });

/** A provider rate such as `200/s`, `12000/min` or `50000/h, burst 100` (domain/token-bucket.ts). */
export const rateLimit = z
  .string()
  .trim()
  .transform((value, context) => {
    const parsed = parseRateLimit(value);
    if (parsed.ok) return parsed.limit;
    context.issues.push({ code: 'custom', input: value, message: parsed.reason });
    return z.NEVER;
  });
