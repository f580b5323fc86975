import type { Step } from './journey-definition.js';

/**
 * The one next-step rule: each step type's ways out, in order. The interpreter leaves a step
 * through one of them, `successors()` and the validator's reference check read them, and the
 * diagram labels its edges with them, so the four can never disagree about where a run goes.
 */

export type StepType = Step['type'];
export type StepOf<K extends StepType> = Extract<Step, { type: K }>;

/** How the interpreter names each way out of a step of each type (a split's arms by position). */
export interface ExitNames {
  wait: 'next';
  waitUntil: 'next';
  waitForEvent: 'event' | 'timeout';
  branch: 'then' | 'else';
  split: number;
  send: 'next';
  updateProfile: 'next';
  end: never;
}

export interface StepExit<Name = ExitNames[StepType]> {
  name: Name;
  /** The field naming this exit's own target, as a validation path (`onTimeout`, `arms[1].next`). */
  field?: string;
  /** The target that field names, when set. */
  to?: string;
  /** Whether, without a target of its own, control falls through to `next`, else the following step. */
  fallsThrough: boolean;
  /** The edge's label in the diagram. */
  label?: string;
}

type ExitTable = { [K in StepType]: (step: StepOf<K>) => StepExit<ExitNames[K]>[] };

const onward = (): StepExit<'next'>[] => [{ name: 'next', fallsThrough: true }];

/** Typed so that a new step type does not compile until it says where control goes from it. */
export const stepExits = {
  wait: onward,
  waitUntil: onward,
  waitForEvent: (step) => [
    { name: 'event', field: 'onEvent', to: step.onEvent, fallsThrough: true, label: 'event' },
    { name: 'timeout', field: 'onTimeout', to: step.onTimeout, fallsThrough: true, label: 'timeout' },
  ],
  branch: (step) => [
    { name: 'then', field: 'then', to: step.then, fallsThrough: false, label: 'yes' },
    { name: 'else', field: 'else', to: step.else, fallsThrough: false, label: 'no' },
  ],
  split: (step) =>
    step.arms.map((arm, a) => ({
      name: a,
      field: `arms[${a}].next`,
      to: arm.next,
      fallsThrough: false,
      label: `${arm.name} ${arm.percent}%`,
    })),
  send: onward,
  updateProfile: onward,
  end: () => [],
} satisfies ExitTable;

export function exitsOf<K extends StepType>(step: StepOf<K>): StepExit<ExitNames[K]>[] {
  // Seen through the mapped type, the entry for `step.type` takes this step's type: no cast needed.
  const table: ExitTable = stepExits;
  return table[step.type](step);
}

/** Where an exit leads: its own target, else (if it falls through) the step's `next`, else the following step. */
export function targetOf(
  step: Step,
  exit: StepExit<unknown>,
  following: string | undefined,
): string | undefined {
  if (exit.to !== undefined || !exit.fallsThrough) return exit.to;
  return ('next' in step ? step.next : undefined) ?? following;
}

/** The step control goes to when a run leaves `step` by the exit called `name` (undefined: the run is done). */
export function exitTo<K extends StepType>(
  step: StepOf<K>,
  name: ExitNames[K],
  following: string | undefined,
): string | undefined {
  const exit = exitsOf(step).find((candidate) => candidate.name === name);
  return exit && targetOf(step, exit, following);
}

/** Where control may go from a step (in order: the step's own targets, then the fall-through). */
export function successors(step: Step, following: string | undefined): string[] {
  return exitsOf(step)
    .map((exit) => targetOf(step, exit, following))
    .filter((target): target is string => target !== undefined);
}

/**
 * Every field of a step that names another step, with its path, `next` first. A branch or a split
 * may carry a `next` it never follows; it is still checked, as it always was.
 */
export function references(step: Step): [field: string, target: string | undefined][] {
  const own = exitsOf(step).flatMap((exit): [string, string | undefined][] =>
    exit.field === undefined ? [] : [[exit.field, exit.to]],
  );
  return 'next' in step ? [['next', step.next], ...own] : own;
}
