import { evaluate, pathsOf } from '../../../domain/condition.js';
import type { StepHandler } from './step-handler.js';

/** Takes `then` or `else` by a condition on the run's context. */
export const branch: StepHandler<'branch'> = async (step, run) => {
  // Only a condition on the profile pays for reading it.
  if (pathsOf(step.when).some((path) => path.startsWith('profile'))) await run.loadProfile();
  const taken = evaluate(step.when, run.context());
  run.outcome(step, { outcome: taken ? 'then' : 'else' });
  return run.exit(step, taken ? 'then' : 'else');
};
