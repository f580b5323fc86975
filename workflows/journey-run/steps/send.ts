import {
  ActivityFailure,
  isCancellation,
  patched,
  setCurrentDetails,
  TemporalFailure,
  workflowInfo,
} from '@temporalio/workflow';
import type { JourneyStepActivities } from '../../../activities/step-activities.js';
import { parseDuration } from '../../../domain/duration.js';
import type { SendStep } from '../../../domain/journey-definition.js';
import type { SendOutcome } from '../../../domain/journey-runtime.js';
import { runStopOf } from '../../../domain/run-stop.js';
import { deliveryActivities, localDeliveryActivities } from '../activity-options.js';
import type { RunContext } from '../run-context.js';
import type { StepHandler } from './step-handler.js';

type DeliveryRequest = Parameters<JourneyStepActivities['deliver']>[0];

/**
 * How many times a send the delivery rules keep deferring (quiet hours, caps) asks again before it
 * counts as skipped.
 */
const maxDeferrals = 5;

/** Asks the delivery pipeline for one message; its outcome is what later branches read. */
export const send: StepHandler<'send'> = async (step, run) => {
  const outcome = await deliverWithDeferrals(step, run);
  run.outcome(step, { outcome: outcome.status, channel: outcome.channel, reason: outcome.reason });
  return run.exit(step, 'next');
};

/**
 * How many times a send held by a paused journey asks again before it counts as skipped: a bound
 * on the history's length (the pipeline spaces asks up to 15 minutes apart as a pause goes on).
 */
const maxHolds = 10_000;

/**
 * A deferred send waits until the time the pipeline names, then asks again under a new dedup key.
 * A send held because its journey is paused does not count as a deferral: it waits for the resume.
 */
async function deliverWithDeferrals(step: SendStep, run: RunContext): Promise<SendOutcome> {
  let outcome: SendOutcome = { status: 'skipped', reason: 'not attempted' };
  let deferrals = 0;
  for (let attempt = 0; deferrals <= maxDeferrals && attempt <= maxDeferrals + maxHolds; attempt++) {
    setCurrentDetails(
      `**${run.journey.name}** · step \`${step.id}\`: sending ${step.template} via ${step.channels.join(' → ')}`,
    );
    outcome = await deliverOnce(step, run, attempt);
    if (outcome.status !== 'deferred' || !outcome.until) return outcome;
    // Histories from before holds have no held outcome, so they replay with every deferral counted.
    if (!(outcome.held && patched('paused-journey-holds-sends'))) deferrals++;
    const ms = Math.max(0, Date.parse(outcome.until) - Date.now());
    await run.waitFor(ms, step, `deferred (${outcome.reason ?? 'not allowed now'})`);
  }
  return { status: 'skipped', reason: `deferred ${Math.min(deferrals, maxDeferrals)} times` };
}

/**
 * One deliver activity. Once its retries are spent, a send that failed is the step's outcome
 * (`failed`, with the reason), not the run's failure; runs recorded before keep failing the run.
 */
async function deliverOnce(step: SendStep, run: RunContext, attempt: number): Promise<SendOutcome> {
  try {
    return await deliverActivity(step, run, attempt);
  } catch (error) {
    if (!isSendFailure(error) || !patched('send-failure-is-step-outcome')) throw error;
    const cause = error instanceof ActivityFailure ? (error.cause?.message ?? error.message) : error.message;
    return { status: 'failed', reason: `send failed after its retries: ${cause}` };
  }
}

/**
 * A regular activity's failure comes wrapped in an ActivityFailure; a local activity's may come as
 * its own failure (the activity's error, its timeout). A cancellation is the run's, never the send's.
 */
const isSendFailure = (error: unknown): error is TemporalFailure =>
  error instanceof ActivityFailure || (error instanceof TemporalFailure && !isCancellation(error));

/**
 * The deliver activity: local for runs started since `deliver-local` (activity-options.ts), with
 * the run's goal and exits in the request, so the reservation re-checks them against stored events
 * (sends back to back in one workflow task see no signal in between).
 */
function deliverActivity(step: SendStep, run: RunContext, attempt: number): Promise<SendOutcome> {
  const summary = `${step.id}: send ${step.template} (${step.channels.join(' → ')})`;
  if (!patched('deliver-local'))
    return deliveryActivities.deliver.executeWithOptions({ summary }, [deliveryRequest(step, run, attempt)]);
  const runStop = runStopOf(run.journey, workflowInfo().runStartTime.toISOString());
  return localDeliveryActivities.deliver.executeWithOptions({ summary }, [
    { ...deliveryRequest(step, run, attempt), ...(runStop ? { runStop } : {}) },
  ]);
}

function deliveryRequest(step: SendStep, run: RunContext, attempt: number): DeliveryRequest {
  const { workflowId, runId } = workflowInfo();
  return {
    // Each retry after a deferral is a new message; a retried activity attempt is the same one.
    dedupKey: `${workflowId}/${runId}/${step.id}${attempt > 0 ? `/${attempt}` : ''}`,
    customerId: run.state.customerId,
    journeyId: run.journey.id,
    journeyVersion: run.input.version,
    workflowId,
    runId,
    stepId: step.id,
    template: step.template,
    channels: step.channels,
    intentKey: step.intentKey,
    intentWindowMs: step.intentWindow ? parseDuration(step.intentWindow) : undefined,
    category: step.category,
    tags: step.tags,
    overCap: step.overCap,
    quietHours: step.quietHours,
    onOutage: step.onOutage,
    trigger: run.input.trigger,
  };
}
