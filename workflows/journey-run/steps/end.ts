import type { StepHandler } from './step-handler.js';

/** Ends the run here, outcome "completed". */
export const end: StepHandler<'end'> = async () => undefined;
