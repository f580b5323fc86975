import type { StepOf, StepType } from '../../../domain/step-flow.js';
import type { RunContext } from '../run-context.js';

/** Runs one step; resolves to the id of the step to run next, or undefined when the run is done. */
export type StepHandler<K extends StepType> = (
  step: StepOf<K>,
  run: RunContext,
) => Promise<string | undefined>;
