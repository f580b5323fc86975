/**
 * What never reaches a log line: secret values (registered at start), passwords in URLs, tokens
 * in query strings, and customers' contact data (email addresses, phone numbers). Applied to every
 * string of every log call, error messages and stacks included. Credential fields are blanked by
 * name besides (`redactedFields`, pino `redact`). The patterns are targeted: a phone number is a
 * standalone run of digits, so ids, UUIDs, version hashes and times are never rewritten.
 */

const secrets = new Set<string>();

/** Values to blank out wherever they appear (keys, tokens, passwords); short ones are ignored. */
export function registerSecrets(values: readonly (string | undefined)[]): void {
  for (const value of values) if (value && value.length >= 8) secrets.add(value);
}

/** Fields blanked by name wherever the log object carries them (top level or one level down). */
const credentialFields = [
  'password',
  'apiKey',
  'authorization',
  'cookie',
  'token',
  'taskToken',
  'secret',
  'authToken',
  'adminToken',
  'writeKey',
  'privateKey',
  'unsubscribeSecret',
];
export const redactedFields = ['databaseUrl', ...credentialFields, ...credentialFields.map((f) => `*.${f}`)];

// Local part and domain in any script (jöe@exämple.com); the domain is kept for the operator.
const emailPattern = /[\p{L}\p{N}._%+-]+@((?:[\p{L}\p{N}-]+\.)+[\p{L}\p{N}-]+)/gu;
// 8+ digits with optional + (or %2B), spaces, dots, dashes or brackets, standing alone: never a
// digit run inside a word, a hex hash or an id (nothing word-like or `-./#` touches it; an
// escaped `phone%3A%2B…` is still a phone).
const phonePattern =
  /(?:(?<=%3[Aa])|(?<![\p{L}\p{N}_\-./#]))(?:\+|%2[Bb])?\d[\d\s().-]{6,}\d(?![\p{L}\p{N}_])/gu;
const queryTokenPattern = /([?&](?:token|signature|sig|key|secret|password|auth|code)[^=&\s]*=)[^&\s"'#]+/gi;
const urlPasswordPattern = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)[^@\s/]+@/gi;
// UUIDs and ISO times are digit runs with separators, and useful in logs: keep them whole.
const keepPattern =
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?/gi;

export function maskText(text: string): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('***');
  out = out
    .replace(urlPasswordPattern, '$1***@')
    .replace(queryTokenPattern, '$1***')
    .replace(emailPattern, '***@$1');
  // Phone numbers, outside the ids and times we keep.
  const kept: string[] = [];
  out = out.replace(keepPattern, (match) => `\u0000${kept.push(match) - 1}\u0000`);
  out = out.replace(phonePattern, (match) => {
    const digits = match.replace(/^%2B/i, '').replace(/\D/g, '');
    return digits.length >= 8 ? `***${digits.slice(-2)}` : match;
  });
  // eslint-disable-next-line no-control-regex -- the placeholders are NUL-delimited on purpose
  return out.replace(/\u0000(\d+)\u0000/g, (_, i: string) => kept[Number(i)] ?? '');
}

export interface MaskOptions {
  /** Keep error stacks (at debug level and below); otherwise an error is its type, message and fields. */
  stacks?: boolean;
}

/** Raw protocol objects an SDK error carries beside its message: noise in a log line. */
const errorNoise = new Set(['failure', 'stack', 'message', 'name']);

/**
 * An error as a plain object a log line can show: `{ type, message, code…, cause, stack? }`. (pino
 * only serializes errors under `err`; the Temporal SDK logs them under `error`, which came out as
 * `{"name":"Error"}`.)
 */
function maskError(error: Error, options: MaskOptions, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { type: error.name, message: maskText(error.message) };
  for (const [key, child] of Object.entries(error))
    if (!errorNoise.has(key)) out[key] = maskValue(child, options, depth + 1);
  if (error.cause !== undefined) out.cause = maskValue(error.cause, options, depth + 1);
  if (options.stacks && error.stack) out.stack = maskText(error.stack);
  return out;
}

/** A masked copy of any log argument (objects and errors deep, to a bounded depth). */
export function maskValue(value: unknown, options: MaskOptions = {}, depth = 0): unknown {
  if (typeof value === 'string') return maskText(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (value instanceof Error) return maskError(value, options, depth);
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((item) => maskValue(item, options, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [key, maskValue(child, options, depth + 1)]),
  );
}

/** A URL safe to print: the password replaced by ***. */
export function maskUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return value.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}
