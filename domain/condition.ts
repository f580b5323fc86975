/**
 * The condition language: JSON data, never code. A condition compares the value at a path in
 * the run's context with a literal or with the value at another path (`{ ref: 'trigger…' }`),
 * and conditions combine with all / any / not. Paths start at one of the context roots below.
 */
export const contextRoots = ['trigger', 'event', 'profile', 'steps'] as const;
export type ContextRoot = (typeof contextRoots)[number];

export const operators = [
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'contains',
  'exists',
  'notExists',
] as const;
export type Operator = (typeof operators)[number];

export interface Ref {
  ref: string;
}

export type Comparison = { path: string; op: Operator; value?: unknown };
export type Condition = Comparison | { all: Condition[] } | { any: Condition[] } | { not: Condition };

export function isRef(value: unknown): value is Ref {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as Ref).ref === 'string' &&
    Object.keys(value).length === 1
  );
}

export type EvaluationContext = Partial<Record<ContextRoot, unknown>>;

/** The value at a dotted path, or undefined. Only own, plain-data properties are read. */
export function valueAt(context: EvaluationContext, path: string): unknown {
  let current: unknown = context;
  for (const key of path.split('.')) {
    if (
      current === null ||
      typeof current !== 'object' ||
      !Object.prototype.hasOwnProperty.call(current, key)
    )
      return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function resolve(context: EvaluationContext, value: unknown): unknown {
  return isRef(value) ? valueAt(context, value.ref) : value;
}

function equal(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number')
    return Number(a) === Number(b) && a !== null && b !== null && a !== '' && b !== '';
  return a === b;
}

function order(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const na = typeof a === 'string' ? Number(a) : a;
  const nb = typeof b === 'string' ? Number(b) : b;
  if (typeof na === 'number' && typeof nb === 'number' && !Number.isNaN(na) && !Number.isNaN(nb))
    return na - nb;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

export function evaluate(condition: Condition, context: EvaluationContext): boolean {
  if ('all' in condition) return condition.all.every((c) => evaluate(c, context));
  if ('any' in condition) return condition.any.some((c) => evaluate(c, context));
  if ('not' in condition) return !evaluate(condition.not, context);
  const actual = valueAt(context, condition.path);
  const expected = resolve(context, condition.value);
  switch (condition.op) {
    case 'exists':
      return actual !== undefined && actual !== null;
    case 'notExists':
      return actual === undefined || actual === null;
    case 'eq':
      return actual !== undefined && equal(actual, expected);
    case 'neq':
      return !equal(actual, expected);
    case 'in':
      return Array.isArray(expected) && expected.some((item) => equal(actual, item));
    case 'contains':
      return Array.isArray(actual)
        ? actual.some((item) => equal(item, expected))
        : typeof actual === 'string' && typeof expected === 'string' && actual.includes(expected);
    default: {
      const cmp = order(actual, expected);
      if (cmp === undefined) return false;
      return condition.op === 'gt'
        ? cmp > 0
        : condition.op === 'gte'
          ? cmp >= 0
          : condition.op === 'lt'
            ? cmp < 0
            : cmp <= 0;
    }
  }
}

/** Every path a condition reads (for validation and diagrams). */
export function pathsOf(condition: Condition): string[] {
  if ('all' in condition) return condition.all.flatMap(pathsOf);
  if ('any' in condition) return condition.any.flatMap(pathsOf);
  if ('not' in condition) return pathsOf(condition.not);
  return [condition.path, ...(isRef(condition.value) ? [condition.value.ref] : [])];
}
