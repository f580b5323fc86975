import { z } from 'zod';
import { didYouMeanSuffix } from './did-you-mean.js';
import { formatPath, type InputProblem } from './input-problem.js';

/**
 * A schema's issues as problems a marketer can act on: an unknown field named at its own path with
 * the closest known one ("duraton" → "duration"), a misspelt step type or condition op with the
 * closest valid one, and, of a condition's alternative shapes, only the one the input meant.
 */

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

function valueAt(input: unknown, path: Path): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The fields the schema knows at this path of the input (empty where it cannot tell). */
function knownKeys(schema: z.ZodType, path: Path, input: unknown): string[] {
  let current: unknown = schema;
  for (let i = 0; i <= path.length; i++) {
    // Optional, default, lazy: the schema they wrap.
    while (current instanceof z.ZodOptional || current instanceof z.ZodDefault) current = current.unwrap();
    if (current instanceof z.ZodLazy) current = (current as z.ZodLazy<z.ZodType>).def.getter();
    if (current instanceof z.ZodDiscriminatedUnion) {
      const key = current.def.discriminator;
      const tag = (valueAt(input, path.slice(0, i)) as Record<string, unknown> | undefined)?.[key];
      current = (current.options as z.ZodType[]).find(
        (option) => option instanceof z.ZodObject && option.shape[key]?.safeParse(tag).success,
      );
    }
    if (i === path.length) break;
    const key = path[i];
    if (current instanceof z.ZodArray) current = current.element;
    else if (current instanceof z.ZodObject && typeof key === 'string') current = current.shape[key];
    else return [];
  }
  if (current instanceof z.ZodObject) return Object.keys(current.shape);
  // A condition: the comparison's fields are the ones a typo is likely in.
  if (current instanceof z.ZodUnion) return ['path', 'op', 'value', 'all', 'any', 'not'];
  return [];
}

/**
 * Of a union's failed alternatives, the one whose fields the input has (the others complain of
 * them); of several, the one with fewest problems (`trigger: {}` means the event form).
 */
function meantAlternative(issue: Issue & { code: 'invalid_union' }): Issue[] {
  const fits = issue.errors.filter(
    (issues) => !issues.some((i) => i.code === 'unrecognized_keys' && i.path.length === 0),
  );
  const fewest = Math.min(...fits.map((issues) => issues.length));
  const best = fits.filter((issues) => issues.length === fewest);
  return best.length === 1 ? (best[0] ?? []) : [];
}

function problemsOf(issue: Issue, prefix: Path, schema: z.ZodType, input: unknown): InputProblem[] {
  const path = [...prefix, ...issue.path];
  const given = valueAt(input, path);
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(schema, path, input);
    return issue.keys.map((key) => ({
      path: formatPath([...path, key]),
      message: `unknown field "${key}"${didYouMeanSuffix(key, known)}`,
    }));
  }
  if (issue.code === 'invalid_union' && 'discriminator' in issue) {
    // Zod names the valid tags on the issue, though its type does not say so.
    const options = ((issue as { options?: unknown[] }).options ?? []).map(String);
    return [
      {
        path: formatPath(path),
        message:
          typeof given === 'string'
            ? `unknown ${path[0] === 'steps' ? 'step ' : ''}${String(issue.discriminator)} "${given}"${didYouMeanSuffix(given, options)}: one of ${options.join(', ')}`
            : `required: one of ${options.join(', ')}`,
      },
    ];
  }
  if (issue.code === 'invalid_union') {
    const meant = meantAlternative(issue);
    if (meant.length > 0) return meant.flatMap((inner) => problemsOf(inner, path, schema, input));
  }
  if (issue.code === 'invalid_value' && typeof given === 'string') {
    const suffix = didYouMeanSuffix(given, issue.values.map(String));
    return [{ path: formatPath(path), message: `${issue.message}${suffix}` }];
  }
  return [{ path: formatPath(path), message: issue.message }];
}

/** Every issue of a failed parse of `input` against `schema`, as located problems (at most 50). */
export function schemaProblems(schema: z.ZodType, issues: readonly Issue[], input: unknown): InputProblem[] {
  return issues.flatMap((issue) => problemsOf(issue, [], schema, input)).slice(0, 50);
}

/** The id of the step a path is in (`steps[2].duration` → the id of step 2), when it has one. */
export function stepIdAt(path: string, input: unknown): string | undefined {
  const index = /^steps\[(\d+)\]/.exec(path)?.[1];
  if (index === undefined) return undefined;
  const id = valueAt(input, ['steps', Number(index), 'id']);
  return typeof id === 'string' ? id : undefined;
}
