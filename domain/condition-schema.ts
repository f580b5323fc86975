import { z } from 'zod';
import { contextRoots, isRef, operators, type Condition } from './condition.js';

/**
 * The condition language's schema, apart from its evaluation (condition.ts): workflows evaluate
 * conditions, and a workflow that imports zod instantiates all of it once per cached run (the SDK
 * gives each workflow its own module instances), several hundred KB of worker memory per waiting run.
 */
const pathText = z.string().regex(/^(trigger|event|profile|steps)(\.[A-Za-z0-9_-]+)*$/, {
  message: `must start with one of ${contextRoots.join(', ')} and use dots between names`,
});

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(conditionSchema).min(1).max(50) }),
    z.strictObject({ any: z.array(conditionSchema).min(1).max(50) }),
    z.strictObject({ not: conditionSchema }),
    z
      .strictObject({
        path: pathText,
        op: z.enum(operators),
        value: z.unknown().optional(),
      })
      .superRefine((comparison, ctx) => {
        const needsValue = comparison.op !== 'exists' && comparison.op !== 'notExists';
        if (needsValue && comparison.value === undefined)
          ctx.addIssue({ code: 'custom', path: ['value'], message: `is required for ${comparison.op}` });
        if (comparison.op === 'in' && !Array.isArray(comparison.value) && !isRef(comparison.value)) {
          ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be a list for in' });
        }
        if (isRef(comparison.value) && !pathText.safeParse(comparison.value.ref).success) {
          ctx.addIssue({ code: 'custom', path: ['value', 'ref'], message: 'is not a valid path' });
        }
      }),
  ]),
);
