import { isRef } from '../../../domain/condition.js';
import type { StepHandler } from './step-handler.js';

/** Sets profile traits: literal values, or `{ ref: path }` values read from the run's context. */
export const updateProfile: StepHandler<'updateProfile'> = async (step, run) => {
  const traits = Object.fromEntries(
    Object.entries(step.traits).map(([key, value]) => [key, isRef(value) ? run.ref(value.ref) : value]),
  );
  await run
    .profileActivities()
    .updateProfileTraits.executeWithOptions({ summary: `${step.id}: update profile` }, [
      { customerId: run.state.customerId, traits, at: new Date().toISOString() },
    ]);
  return run.exit(step, 'next');
};
