import { durationMs, formatDuration } from '../../../domain/duration.js';
import type { StepHandler } from './step-handler.js';

/** Holds the run for a fixed time, on a durable timer. */
export const wait: StepHandler<'wait'> = async (step, run) => {
  const ms = durationMs(step.duration);
  await run.waitFor(ms, step, `waiting ${formatDuration(ms)}`);
  return run.exit(step, 'next');
};
