import type { StepOf, StepType } from '../../../domain/step-flow.js';
import type { RunContext } from '../run-context.js';
import { branch } from './branch.js';
import { end } from './end.js';
import { send } from './send.js';
import { split } from './split.js';
import type { StepHandler } from './step-handler.js';
import { updateProfile } from './update-profile.js';
import { waitForEvent } from './wait-for-event.js';
import { waitUntil } from './wait-until.js';
import { wait } from './wait.js';

type HandlerTable = { [K in StepType]: StepHandler<K> };

/** Typed so that a new step type does not compile until it has a handler. */
export const stepHandlers = {
  wait,
  waitUntil,
  waitForEvent,
  branch,
  split,
  send,
  updateProfile,
  end,
} satisfies HandlerTable;

/** Runs a step with its type's handler; resolves to the next step's id (undefined: the run is done). */
export function runStep<K extends StepType>(step: StepOf<K>, run: RunContext): Promise<string | undefined> {
  // Seen through the mapped type, the entry for `step.type` takes this step's type: no cast needed.
  const table: HandlerTable = stepHandlers;
  return table[step.type](step, run);
}
