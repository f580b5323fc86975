import { z } from 'zod';
import { channels, messageCategories } from './channels.js';
import type { Condition } from './condition.js';
import { conditionSchema } from './condition-schema.js';
import type { InputProblem } from './input-problem.js';
import { duration, eventName, id, path } from './journey-fields.js';
import { triggerSchema } from './journey-trigger-schema.js';
import { schemaProblems } from './journey-problems.js';
import { references, successors } from './step-flow.js';
import { plainError } from './plain-error.js';

/**
 * What marketers write: a journey as data. The zod schema checks each field; `validateJourney`
 * then checks the graph (references, reachability, loops that never wait, templates) and reports
 * every problem with its path, e.g. `steps[2].then: unknown step "remind-3"`.
 */

const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

const stepBase = { id, label: z.string().max(120).optional(), next: id.optional() };

export const waitStep = z.strictObject({ ...stepBase, type: z.literal('wait'), duration });
export const waitUntilStep = z
  .strictObject({
    ...stepBase,
    type: z.literal('waitUntil'),
    /** Local time of day in the customer's time zone, HH:MM (with `date`: the time on that day; default 09:00). */
    at: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be HH:MM (24 h)' })
      .optional(),
    weekdays: z.array(weekday).min(1).max(7).optional(),
    /** A date (YYYY-MM-DD or ISO time) read from the profile or trigger, e.g. profile.traits.renewal_date. */
    date: path.optional(),
  })
  .refine((step) => step.at !== undefined || step.date !== undefined, {
    message: 'needs `at` (a local time) or `date` (a path)',
    path: ['at'],
  });
export const waitForEventStep = z.strictObject({
  ...stepBase,
  type: z.literal('waitForEvent'),
  event: eventName,
  where: conditionSchema.optional(),
  timeout: duration,
  onEvent: id.optional(),
  onTimeout: id.optional(),
});
export const branchStep = z.strictObject({
  ...stepBase,
  type: z.literal('branch'),
  when: conditionSchema,
  then: id,
  else: id,
});
export const splitStep = z.strictObject({
  ...stepBase,
  type: z.literal('split'),
  arms: z
    .array(z.strictObject({ name: z.string().min(1).max(60), percent: z.number().min(0).max(100), next: id }))
    .min(2)
    .max(10)
    .refine((arms) => Math.abs(arms.reduce((sum, arm) => sum + arm.percent, 0) - 100) < 1e-9, {
      message: 'percents must add up to 100',
    }),
});
export const sendStep = z.strictObject({
  ...stepBase,
  type: z.literal('send'),
  template: z.string().min(1).max(120),
  /** Ordered fallback: the first channel on which the customer is reachable and allowed. */
  channels: z
    .array(z.enum(channels))
    .min(1)
    .refine((list) => new Set(list).size === list.length, { message: 'lists a channel twice' }),
  /** Two messages with the same intent are "the same offer", across channels and journeys. */
  intentKey: z.string().min(1).max(200),
  intentWindow: duration.optional(),
  category: z.enum(messageCategories).default('marketing'),
  tags: z.array(z.string().min(1).max(60)).max(10).default([]),
  overCap: z.enum(['skip', 'defer', 'nextChannel']).default('skip'),
  quietHours: z.enum(['defer', 'skip']).default('defer'),
  /**
   * A channel's provider is down (a retryable failure): `retry` it with backoff (the message waits
   * for the provider), or go to the `nextChannel` at once (the message goes out now, elsewhere).
   * Unset: `nextChannel` for marketing (timely beats the preferred channel), `retry` otherwise.
   */
  onOutage: z.enum(['retry', 'nextChannel']).optional(),
});
export const updateProfileStep = z.strictObject({
  ...stepBase,
  type: z.literal('updateProfile'),
  traits: z.record(z.string().min(1).max(100), z.unknown()),
});
export const endStep = z.strictObject({ id, label: z.string().max(120).optional(), type: z.literal('end') });

export const stepSchema = z.discriminatedUnion('type', [
  waitStep,
  waitUntilStep,
  waitForEventStep,
  branchStep,
  splitStep,
  sendStep,
  updateProfileStep,
  endStep,
]);

const eventMatch = z.strictObject({ event: eventName, where: conditionSchema.optional() });

export const journeySchema = z.strictObject({
  id,
  name: z.string().min(1).max(120),
  description: z.string().max(2000).default(''),
  /** An event, a segment's entry or exit, or a schedule over a segment (domain/journey-trigger.ts). */
  trigger: triggerSchema,
  reEntry: z
    .discriminatedUnion('mode', [
      z.strictObject({ mode: z.literal('never') }),
      z.strictObject({ mode: z.literal('always') }),
      z.strictObject({ mode: z.literal('cooldown'), cooldown: duration }),
    ])
    .default({ mode: 'never' }),
  /** At most `max` runs per customer within `within`. */
  entryLimit: z.strictObject({ max: z.number().int().min(1).max(1000), within: duration }).optional(),
  /** Any of these ends the run at once, outcome "exited". */
  exit: z.array(eventMatch).max(20).default([]),
  /** Reaching it ends the run, outcome "converted"; revenue counts within the conversion window. */
  goal: z.strictObject({ event: eventName, where: conditionSchema.optional(), within: duration }).optional(),
  steps: z.array(stepSchema).min(1).max(200),
});

export type JourneyDefinitionInput = z.input<typeof journeySchema>;
export type JourneyDefinition = z.output<typeof journeySchema>;
export type Step = JourneyDefinition['steps'][number];
export type SendStep = z.output<typeof sendStep>;
export type { Condition };

const waits = new Set<Step['type']>(['wait', 'waitUntil', 'waitForEvent']);

export interface ValidationContext {
  /** Known template ids; when given, a send naming another is an error. */
  templates?: ReadonlySet<string>;
  /** The channels each template has parts for; when given, a send on a channel its template lacks is an error. */
  templateChannels?: ReadonlyMap<string, readonly string[]>;
}

export type ValidationResult =
  { ok: true; definition: JourneyDefinition } | { ok: false; problems: InputProblem[] };

/** Checks a definition completely; never throws, whatever the input. */
export function validateJourney(input: unknown, context: ValidationContext = {}): ValidationResult {
  const parsed = journeySchema.safeParse(input, { error: plainError });
  if (!parsed.success) {
    return {
      ok: false,
      problems: schemaProblems(journeySchema, parsed.error.issues, input),
    };
  }
  const definition = parsed.data;
  const problems: InputProblem[] = [];
  const index = new Map<string, number>();
  definition.steps.forEach((step, i) => {
    if (index.has(step.id))
      problems.push({ path: `steps[${i}].id`, message: `duplicate step id "${step.id}"` });
    else index.set(step.id, i);
  });
  definition.steps.forEach((step, i) => problems.push(...stepProblems(step, i, index, context)));
  // The graph checks need every reference resolved.
  if (problems.length > 0) return { ok: false, problems };
  problems.push(...graphProblems(definition.steps, index));
  return problems.length > 0 ? { ok: false, problems } : { ok: true, definition };
}

/** Unknown step references, and templates (or template channels) the context does not know. */
function stepProblems(
  step: Step,
  i: number,
  index: ReadonlyMap<string, number>,
  context: ValidationContext,
): InputProblem[] {
  const problems: InputProblem[] = [];
  for (const [field, target] of references(step)) {
    if (target !== undefined && !index.has(target))
      problems.push({ path: `steps[${i}].${field}`, message: `unknown step "${target}"` });
  }
  if (step.type === 'send' && context.templates && !context.templates.has(step.template)) {
    problems.push({ path: `steps[${i}].template`, message: `unknown template "${step.template}"` });
  } else if (step.type === 'send' && context.templateChannels?.has(step.template)) {
    const has = context.templateChannels.get(step.template) ?? [];
    step.channels.forEach((channel, c) => {
      if (!has.includes(channel)) {
        problems.push({
          path: `steps[${i}].channels[${c}]`,
          message: `template "${step.template}" has no ${channel} part`,
        });
      }
    });
  }
  return problems;
}

/** Unreachable steps, then loops without a wait. */
function graphProblems(steps: readonly Step[], index: ReadonlyMap<string, number>): InputProblem[] {
  const problems: InputProblem[] = [];
  // The graph as indices: edges[i] are the steps control may reach from step i.
  const edges = steps.map((step, i) =>
    successors(step, steps[i + 1]?.id)
      .map((target) => index.get(target))
      .filter((j): j is number => j !== undefined),
  );
  const isWait = steps.map((step) => waits.has(step.type));

  // Reachability from the first step.
  const reached = new Set<number>([0]);
  for (const queue = [0]; queue.length > 0;) {
    for (const j of edges[queue.shift() ?? 0] ?? []) {
      if (!reached.has(j)) {
        reached.add(j);
        queue.push(j);
      }
    }
  }
  steps.forEach((step, i) => {
    if (!reached.has(i)) problems.push({ path: `steps[${i}]`, message: `step "${step.id}" is unreachable` });
  });

  // A loop must wait somewhere, or a run would spin forever without yielding.
  const state = new Map<number, 'open' | 'done'>();
  const reportedCycles = new Set<number>();
  const visit = (i: number, stack: number[]) => {
    state.set(i, 'open');
    stack.push(i);
    if (!isWait[i]) {
      for (const j of edges[i] ?? []) {
        if (isWait[j]) continue;
        if (state.get(j) === 'open') {
          if (!reportedCycles.has(j)) {
            reportedCycles.add(j);
            const cycle = [...stack.slice(stack.indexOf(j)), j].map((k) => steps[k]?.id);
            problems.push({ path: `steps[${j}]`, message: `loop without a wait: ${cycle.join(' → ')}` });
          }
        } else if (!state.has(j)) {
          visit(j, stack);
        }
      }
    }
    stack.pop();
    state.set(i, 'done');
  };
  steps.forEach((_, i) => {
    if (!state.has(i)) visit(i, []);
  });
  return problems;
}
