/**
 * What never reaches a log line: secret values (registered at start), passwords in URLs, tokens
 * in query strings, and customers' contact data (email addresses, phone numbers). Applied to every
 * argument of every log call, error messages and stacks included.
 */

const secrets = new Set<string>();

/** Values to blank out wherever they appear (keys, tokens, passwords); short ones are ignored. */
export function registerSecrets(values: readonly (string | undefined)[]): void {
  for (const value of values) if (value && value.length >= 8) secrets.add(value);
}

const emailPattern = /[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)/g;
// A run of 8+ digits with optional +, spaces, dots, dashes or brackets: phone-number shaped.
const phonePattern = /\+?\d[\d\s().-]{6,}\d/g;
const queryTokenPattern = /([?&](?:token|signature|sig|key|secret|password|auth|code)[^=&\s]*=)[^&\s"'#]+/gi;
const urlPasswordPattern = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)[^@\s/]+@/gi;
// UUIDs and ISO times are digit runs too, and useful in logs: keep them whole.
const keepPattern =
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\d{4}-\d{2}-\d{2}T[\d:.]+Z?/gi;

function maskText(text: string): string {
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
    const digits = match.replace(/\D/g, '');
    return digits.length >= 8 ? `***${digits.slice(-2)}` : match;
  });
  // eslint-disable-next-line no-control-regex -- the placeholders are NUL-delimited on purpose
  return out.replace(/\u0000(\d+)\u0000/g, (_, i: string) => kept[Number(i)] ?? '');
}

/** A masked copy of any log argument (objects and errors deep, to a bounded depth). */
export function maskValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskText(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (value instanceof Error) {
    const masked = new Error(maskText(value.message));
    masked.name = value.name;
    masked.stack = value.stack ? maskText(value.stack) : undefined;
    for (const [key, child] of Object.entries(value))
      (masked as unknown as Record<string, unknown>)[key] = maskValue(child, depth + 1);
    if (value.cause !== undefined) masked.cause = maskValue(value.cause, depth + 1);
    return masked;
  }
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((item) => maskValue(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, maskValue(child, depth + 1)]));
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
