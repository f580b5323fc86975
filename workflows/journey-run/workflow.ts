import {
  CancellationScope,
  isCancellation,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { EventInbox } from '../../domain/event-inbox.js';
import { matches, type RunEvent, type RunOutcome } from '../../domain/journey-runtime.js';
import { searchAttributes } from '../../domain/search-attributes.js';
import { runBookkeeping } from './bookkeeping.js';
import { RunContext } from './run-context.js';
import {
  cancelRunSignal,
  customerEventSignal,
  customerMergedSignal,
  mergedIntoSignal,
  runStateQuery,
  type JourneyRunInput,
  type JourneyRunResult,
  type JourneyRunState,
} from './signals.js';
import { runStep } from './steps/index.js';

/**
 * The one generic journey workflow: it interprets the definition snapshot it was started with,
 * so editing or redeploying a journey never changes runs in flight. Each step type's handler is in
 * `steps/`; where control goes next is the domain's rule (`domain/step-flow.ts`).
 *
 * Runs in flight replay against this code: the order of its commands (handlers, the `patched`
 * check, activities, timers, search attributes) must not change (test/journey-replay.test.ts).
 */

/** Validation refuses loops that never wait; this bounds a run whatever definition it is given. */
const maxStepsPerRun = 1_000;

interface Ending {
  outcome: RunOutcome;
  reason: string;
  /** When the goal or exit event that ended the run happened. */
  eventAt?: string;
  /** Outcome merged: the run that goes on. */
  mergedIntoRunId?: string;
}

/**
 * Why a run cancelled from outside (the Temporal UI, `temporal workflow cancel`, a client's
 * `handle.cancel()`) ended: the SDK does not hand the request's own reason to workflow code.
 */
export const temporalCancelReason = 'cancelled in Temporal (workflow cancel request)';

/**
 * Whether an error that ended the steps is a cancellation of the workflow itself (its root scope),
 * not one of the run's own endings (goal, exit, cancel signal, merge), which cancel only the steps.
 * Asks `patched` only then: runs that failed this way before keep replaying as they did.
 */
const isWorkflowCancellation = (error: unknown, ending: Ending | undefined): boolean =>
  isCancellation(error) &&
  !ending &&
  CancellationScope.current().consideredCancelled &&
  patched('temporal-cancel-recorded');

/** After a merge the run follows the surviving customer: profile, sends and search attribute. */
function followCustomer(state: JourneyRunState, customerId: string): void {
  if (state.customerId === customerId) return;
  state.customerId = customerId;
  upsertSearchAttributes([{ key: searchAttributes.CustomerId, value: customerId }]);
}

/** The run's state and its details in the Temporal UI once it has ended. */
function settle(state: JourneyRunState, journeyName: string, final: Ending): void {
  state.status = final.outcome;
  state.reason = final.reason;
  state.currentStep = undefined;
  state.waitingFor = undefined;
  state.waitingUntil = undefined;
  setCurrentDetails(`**${journeyName}**: ${final.outcome} (${final.reason})`);
}

export async function journeyRun(input: JourneyRunInput): Promise<JourneyRunResult> {
  const { journey } = input;
  const startedAt = new Date().toISOString();
  const state: JourneyRunState = {
    journeyId: journey.id,
    version: input.version,
    customerId: input.customerId,
    entryKey: input.entryKey,
    status: 'running',
    steps: {},
    eventsReceived: 0,
  };
  const inbox = new EventInbox(input.trigger.messageId);
  let ending: Ending | undefined;
  // Steps run in this scope, so a goal, an exit or a cancel stops whatever timer or activity is pending.
  const steps = new CancellationScope();

  const end = (outcome: RunOutcome, reason: string, eventAt?: string, mergedIntoRunId?: string) => {
    if (ending) return;
    ending = { outcome, reason, eventAt, mergedIntoRunId };
    steps.cancel();
  };
  const receive = (event: RunEvent) => {
    if (!inbox.receive(event)) return; // the trigger itself, or a duplicate delivery
    state.eventsReceived++;
    const context = { trigger: input.trigger };
    if (journey.goal && matches(journey.goal, event, context))
      return end('converted', `goal: ${event.name}`, event.occurredAt);
    if (journey.exit.some((match) => matches(match, event, context)))
      end('exited', `exit: ${event.name}`, event.occurredAt);
  };
  setHandler(customerEventSignal, receive);
  for (const event of input.backlog ?? []) receive(event);
  setHandler(cancelRunSignal, (reason) => end('cancelled', reason ?? 'cancelled by an operator'));
  setHandler(runStateQuery, () => state);
  setHandler(customerMergedSignal, (customerId) => followCustomer(state, customerId));
  setHandler(mergedIntoSignal, (keeper) => {
    followCustomer(state, keeper.customerId);
    end('merged', `merged into run ${keeper.runId}`, undefined, keeper.runId);
  });

  const bookkeeping = runBookkeeping(input, state, startedAt);
  if (bookkeeping.recordsStart) await bookkeeping.record('running');

  const run = new RunContext(input, state, inbox);
  const runSteps = async () => {
    let stepId: string | undefined = journey.steps[0]?.id;
    for (let count = 0; stepId !== undefined && count < maxStepsPerRun; count++) {
      const step = run.step(stepId);
      run.enter(step);
      stepId = await runStep(step, run);
    }
  };
  let cancelledFromTemporal: unknown;
  try {
    // A backlog event may already have ended the run: then no step runs at all.
    if (!ending) await steps.run(runSteps);
  } catch (error) {
    if (isWorkflowCancellation(error, ending)) {
      // Recorded as `cancelled` below (in a non-cancellable scope), then the workflow ends cancelled.
      ending = { outcome: 'cancelled', reason: temporalCancelReason };
      cancelledFromTemporal = error;
    } else if (!(isCancellation(error) && ending)) {
      await CancellationScope.nonCancellable(() =>
        bookkeeping.record('failed', error instanceof Error ? error.message : String(error)),
      );
      throw error;
    }
  }
  const final: Ending = ending ?? { outcome: 'completed', reason: 'all steps done' };
  settle(state, journey.name, final);
  await CancellationScope.nonCancellable(() =>
    bookkeeping.record(final.outcome, final.reason, final.eventAt, final.mergedIntoRunId),
  );
  // Temporal shows the run as Canceled, as it was asked to.
  if (cancelledFromTemporal) throw cancelledFromTemporal;
  return { outcome: final.outcome, reason: final.reason, steps: state.steps };
}
