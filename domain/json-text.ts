/**
 * PostgreSQL text and jsonb cannot hold NUL characters or lone UTF-16 surrogates; JSON can.
 * Finding them first turns what would be a database error into a 400 naming the field.
 */
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function badText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character';
  if (loneSurrogate.test(text)) return 'contains an unpaired UTF-16 surrogate';
  return undefined;
}

/** The path and problem of the first unstorable string or key, or undefined. */
export function findUnstorableText(
  value: unknown,
  path = '',
  depth = 0,
): { path: string; message: string } | undefined {
  if (depth > 64) return { path: path || '(body)', message: 'is nested too deeply' };
  if (typeof value === 'string') {
    const problem = badText(value);
    return problem ? { path: path || '(body)', message: problem } : undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorableText(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      const keyProblem = badText(key);
      if (keyProblem) return { path: childPath, message: `key ${keyProblem}` };
      const found = findUnstorableText(child, childPath, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}
