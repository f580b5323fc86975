import { z } from 'zod';
import { channels } from './channels.js';
import { operators, pathsOf } from './condition.js';
import { conditionSchema } from './condition-schema.js';
import { didYouMeanSuffix } from './did-you-mean.js';
import { parseDuration } from './duration.js';
import { formatPath, type InputProblem } from './input-problem.js';
import { plainError } from './plain-error.js';

/**
 * A segment: who is in it is decided by conditions on the profile's traits, on counts of the
 * customer's events in a window, on reachability per channel and on membership of other segments.
 * Data, never code; kept as a file beside the journeys and deployed by content hash.
 */

const segmentId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'must be lower-case letters, digits and dashes' });

/** A trait path as written (`plan`, `address.city`): read under the profile's traits. */
const traitPath = z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, {
  message: 'must be trait names with dots between them, e.g. plan or address.city',
});

const traitCondition = z.strictObject({
  trait: z
    .strictObject({ path: traitPath, op: z.enum(operators), value: z.unknown().optional() })
    .superRefine((comparison, ctx) => {
      const needsValue = comparison.op !== 'exists' && comparison.op !== 'notExists';
      if (needsValue && comparison.value === undefined)
        ctx.addIssue({ code: 'custom', path: ['value'], message: `is required for ${comparison.op}` });
      if (comparison.op === 'in' && !Array.isArray(comparison.value))
        ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be a list for in' });
    }),
});

/** The largest count a condition may compare with: its evaluation reads that many events' times. */
export const maxCountThreshold = 100;
const threshold = z.number().int().min(0).max(maxCountThreshold);
const countSchema = z
  .strictObject({ gte: threshold.optional(), lte: threshold.optional(), eq: threshold.optional() })
  .superRefine((count, ctx) => {
    if (Object.values(count).filter((value) => value !== undefined).length !== 1)
      ctx.addIssue({ code: 'custom', message: 'give exactly one of gte, lte, eq' });
  });

/** The longest window: what an evaluation reads back (a year and a bit covers yearly habits). */
export const maxWindowMs = 400 * 86_400_000;
const windowText = z.string().superRefine((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0)
    ctx.addIssue({ code: 'custom', message: `expected a duration such as 7d, 12h or 2w, got "${text}"` });
  else if (ms > maxWindowMs)
    ctx.addIssue({ code: 'custom', message: `must be at most 400d (leave it out for "ever")` });
});

const eventCondition = z.strictObject({
  event: z.string().trim().min(1).max(256),
  where: conditionSchema
    .superRefine((condition, ctx) => {
      const outside = pathsOf(condition).filter((path) => !path.startsWith('event.'));
      if (outside.length > 0)
        ctx.addIssue({
          code: 'custom',
          message: `may read only the event (event.properties.…), not ${outside.join(', ')}`,
        });
    })
    .optional(),
  count: countSchema.default({ gte: 1 }),
  within: windowText.optional(),
});

const reachableCondition = z.strictObject({ reachable: z.enum(channels) });
const segmentCondition = z.strictObject({ segment: segmentId });

const basicKinds = {
  trait: traitCondition,
  event: eventCondition,
  reachable: reachableCondition,
  segment: segmentCondition,
};
type BasicKind = keyof typeof basicKinds;
const basicKindNames = Object.keys(basicKinds) as BasicKind[];

export type BasicCondition = z.output<(typeof basicKinds)[BasicKind]>;
export type TraitCondition = z.output<typeof traitCondition>;
export type EventCondition = z.output<typeof eventCondition>;
export type SegmentCondition = BasicCondition | { not: BasicCondition };

/** The kind of a condition object by its one identifying key, so a problem names that kind's fields. */
function kindOf(value: unknown): BasicKind | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return basicKindNames.find((kind) => Object.hasOwn(value, kind));
}

/** Parses one condition by its kind (a union would only say "invalid input"). */
function parseBasic(value: unknown, ctx: z.RefinementCtx, prefix: PropertyKey[]): BasicCondition | undefined {
  const kind = kindOf(value);
  if (!kind) {
    const keys = typeof value === 'object' && value !== null ? Object.keys(value) : [];
    const hint = keys[0] ? didYouMeanSuffix(keys[0], [...basicKindNames, 'not']) : '';
    ctx.addIssue({
      code: 'custom',
      path: prefix,
      message: `expected a condition with one of trait, event, reachable, segment, not${hint}`,
    });
    return undefined;
  }
  const result = basicKinds[kind].safeParse(value, { error: plainError });
  if (result.success) return result.data;
  for (const issue of result.error.issues)
    ctx.addIssue({ ...issue, path: [...prefix, ...issue.path] } as never);
  return undefined;
}

const conditionItem = z.unknown().transform((value, ctx): SegmentCondition => {
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, 'not')) {
    const extra = Object.keys(value).filter((key) => key !== 'not');
    if (extra.length > 0)
      ctx.addIssue({ code: 'custom', message: `"not" stands alone; unknown field "${extra[0]}" beside it` });
    const inner = parseBasic((value as { not: unknown }).not, ctx, ['not']);
    return inner ? { not: inner } : (z.NEVER as never);
  }
  return parseBasic(value, ctx, []) ?? (z.NEVER as never);
});

export const segmentDefinitionSchema = z.strictObject({
  id: segmentId,
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).optional(),
  match: z.enum(['all', 'any']).default('all'),
  conditions: z.array(conditionItem).min(1).max(20),
});

export type SegmentDefinition = z.output<typeof segmentDefinitionSchema>;

/** Every field name the format has: a misspelt one gets the closest as "did you mean". */
const fieldNames = [
  ...Object.keys(segmentDefinitionSchema.shape),
  ...basicKindNames,
  'not',
  ...Object.keys(eventCondition.shape),
  'path',
  'op',
  'value',
  'gte',
  'lte',
  'eq',
];

/** An issue as problems: an unknown field each on its own, at its own path. */
function problemsOf(issue: z.core.$ZodIssue): InputProblem[] {
  if (issue.code !== 'unrecognized_keys') return [{ path: formatPath(issue.path), message: issue.message }];
  return issue.keys.map((key) => ({
    path: formatPath([...issue.path, key]),
    message: `unknown field "${key}"${didYouMeanSuffix(key, fieldNames)}`,
  }));
}

/** The segments a definition names, directly. */
export function referencedSegments(definition: Pick<SegmentDefinition, 'conditions'>): string[] {
  return definition.conditions.flatMap((condition) => {
    const basic = 'not' in condition ? condition.not : condition;
    return 'segment' in basic ? [basic.segment] : [];
  });
}

export type SegmentValidation =
  { ok: true; definition: SegmentDefinition } | { ok: false; problems: InputProblem[] };

/**
 * Validates a definition against the other segments: `known` maps each deployed (or deployed
 * together) segment id to the segments it references, so an unknown name gets "did you mean" and
 * a reference that closes a loop is refused with the loop spelt out.
 */
export function validateSegment(
  input: unknown,
  known: ReadonlyMap<string, readonly string[]> = new Map(),
): SegmentValidation {
  const result = segmentDefinitionSchema.safeParse(input, { error: plainError });
  if (!result.success) return { ok: false, problems: result.error.issues.flatMap(problemsOf) };
  const definition = result.data;
  const problems: InputProblem[] = [];
  const graph = new Map(known);
  graph.set(definition.id, referencedSegments(definition));
  definition.conditions.forEach((condition, index) => {
    const basic = 'not' in condition ? condition.not : condition;
    if (!('segment' in basic)) return;
    const path = `conditions[${index}]${'not' in condition ? '.not' : ''}.segment`;
    if (!graph.has(basic.segment)) {
      const names = [...graph.keys()].filter((id) => id !== definition.id);
      problems.push({
        path,
        message: `unknown segment "${basic.segment}"${didYouMeanSuffix(basic.segment, names)}`,
      });
      return;
    }
    const loop = cycleThrough(graph, definition.id, basic.segment);
    if (loop) problems.push({ path, message: `segments may not refer in a loop: ${loop.join(' → ')}` });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, definition };
}

/** A path from `next` back to `start` (the loop `start → next → … → start`), or undefined. */
function cycleThrough(
  graph: ReadonlyMap<string, readonly string[]>,
  start: string,
  next: string,
): string[] | undefined {
  const seen = new Set<string>();
  const walk = (id: string, trail: string[]): string[] | undefined => {
    if (id === start) return [...trail, id];
    if (seen.has(id)) return undefined;
    seen.add(id);
    for (const child of graph.get(id) ?? []) {
      const found = walk(child, [...trail, id]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(next, [start]);
}
