import { chooseArm } from '../../../domain/split.js';
import type { StepHandler } from './step-handler.js';

/** Sends each customer down one arm, by a stable hash: the same customer always takes the same arm. */
export const split: StepHandler<'split'> = async (step, run) => {
  const arm = chooseArm(step.arms, `${run.journey.id}/${step.id}`, run.input.customerId);
  run.outcome(step, { outcome: arm.name });
  return run.exit(step, step.arms.indexOf(arm));
};
