import {
  CancellationScope,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { JourneyRunActivities } from '../../activities/run-records.js';
import type { JourneyStepActivities } from '../../activities/step-activities.js';
import { evaluate, isRef, pathsOf, valueAt, type EvaluationContext } from '../../domain/condition.js';
import { durationMs, formatDuration, parseDuration } from '../../domain/duration.js';
import type { Step } from '../../domain/journey-definition.js';
import { matches, type RunEvent, type RunOutcome, type SendOutcome } from '../../domain/journey-runtime.js';
import { isValidTimeZone, localTimeOnDate, nextLocalTime } from '../../domain/local-time.js';
import {
  cancelRunSignal,
  customerEventSignal,
  runStateQuery,
  type JourneyRunInput,
  type JourneyRunResult,
  type JourneyRunState,
} from './signals.js';
import { searchAttributes } from '../../domain/search-attributes.js';
import { chooseArm } from '../../domain/split.js';

/**
 * The one generic journey workflow: it interprets the definition snapshot it was started with,
 * so editing or redeploying a journey never changes runs in flight.
 */

const { recordJourneyRun } = proxyActivities<JourneyRunActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 20, maximumInterval: '1 minute' },
});
/**
 * Run bookkeeping as a local activity: it runs inside the workflow task, so recording an outcome
 * costs no activity task and no extra workflow task on the server (the biggest per-run cost).
 */
const localBookkeeping = proxyLocalActivities<JourneyRunActivities>({
  startToCloseTimeout: '30 seconds',
  localRetryThreshold: '10 seconds',
  retry: { maximumAttempts: 20, maximumInterval: '1 minute' },
});
const { loadProfile, updateProfileTraits } = proxyActivities<JourneyStepActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 20, maximumInterval: '1 minute' },
});
/** Bounded: a provider that keeps failing ends as a failed step, not an endless retry. */
const deliverOptions = {
  startToCloseTimeout: '2 minutes',
  // The activity heartbeats every 2 s: a worker killed mid-send is retried elsewhere after 10 s.
  heartbeatTimeout: '10 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
  },
} as const;
const { deliver } = proxyActivities<JourneyStepActivities>(deliverOptions);

const maxEventsKept = 200;
const maxDeferrals = 5;
const maxStepsPerRun = 1_000;

export async function journeyRun(input: JourneyRunInput): Promise<JourneyRunResult> {
  const { journey } = input;
  const info = workflowInfo();
  const startedAt = new Date().toISOString();
  const index = new Map(journey.steps.map((step, i) => [step.id, i]));
  const state: JourneyRunState = {
    journeyId: journey.id,
    version: input.version,
    customerId: input.customerId,
    entryKey: input.entryKey,
    status: 'running',
    steps: {},
    eventsReceived: 0,
  };
  const received: RunEvent[] = [];
  const seen = new Set<string>([input.trigger.messageId]);
  let consumedUpTo = 0;
  let ending: { outcome: RunOutcome; reason: string; eventAt?: string } | undefined;
  let matchedEvent: RunEvent | undefined;
  const steps = new CancellationScope();

  const end = (outcome: RunOutcome, reason: string, eventAt?: string) => {
    if (ending) return;
    ending = { outcome, reason, eventAt };
    steps.cancel();
  };
  const checkExit = (event: RunEvent) => {
    const context = { trigger: input.trigger };
    if (journey.goal && matches(journey.goal, event, context))
      return end('converted', `goal: ${event.name}`, event.occurredAt);
    const exit = journey.exit.find((match) => matches(match, event, context));
    if (exit) end('exited', `exit: ${event.name}`, event.occurredAt);
  };

  const receive = (event: RunEvent) => {
    if (seen.has(event.messageId)) return; // the trigger itself, or a duplicate delivery
    seen.add(event.messageId);
    received.push(event);
    if (received.length > maxEventsKept) {
      received.shift();
      consumedUpTo = Math.max(0, consumedUpTo - 1);
    }
    state.eventsReceived++;
    checkExit(event);
  };
  setHandler(customerEventSignal, receive);
  for (const event of input.backlog ?? []) receive(event);
  setHandler(cancelRunSignal, (reason) => end('cancelled', reason ?? 'cancelled by an operator'));
  setHandler(runStateQuery, () => state);

  // Runs started after this change skip the start record (the router inserts the row when it
  // starts the run) and record their outcome with a local activity; older histories replay as before.
  const cheapBookkeeping = patched('run-bookkeeping-local');
  const runRecord = (status: RunOutcome | 'running', reason?: string, endedByEventAt?: string) => ({
    runId: info.runId,
    workflowId: info.workflowId,
    journeyId: journey.id,
    journeyVersion: input.version,
    customerId: input.customerId,
    entryKey: input.entryKey,
    triggerMessageId: input.trigger.messageId,
    status,
    reason,
    startedAt,
    endedAt: status === 'running' ? undefined : new Date().toISOString(),
    ...(endedByEventAt ? { endedByEventAt } : {}),
  });
  const record = (status: RunOutcome | 'running', reason?: string, endedByEventAt?: string) =>
    cheapBookkeeping
      ? localBookkeeping.recordJourneyRun.executeWithOptions(
          { startToCloseTimeout: '30 seconds', summary: `record outcome: ${status}` },
          [runRecord(status, reason, endedByEventAt)],
        )
      : recordJourneyRun.executeWithOptions(
          {
            startToCloseTimeout: '30 seconds',
            summary: status === 'running' ? 'record run start' : `record outcome: ${status}`,
          },
          [runRecord(status, reason, endedByEventAt)],
        );

  if (!cheapBookkeeping) await record('running');

  let profile: Awaited<ReturnType<JourneyStepActivities['loadProfile']>> | undefined;
  const freshProfile = async () =>
    (profile = await loadProfile.executeWithOptions(
      { startToCloseTimeout: '30 seconds', summary: 'load profile' },
      [input.customerId],
    ));
  const context = (): EvaluationContext => ({
    trigger: input.trigger,
    event: matchedEvent,
    profile: profile ?? undefined,
    steps: state.steps,
  });
  const enter = (step: Step) => {
    state.currentStep = step.id;
    state.waitingFor = undefined;
    state.waitingUntil = undefined;
    upsertSearchAttributes([{ key: searchAttributes.JourneyStep, value: step.id }]);
  };
  const waitFor = async (ms: number, step: Step, what: string) => {
    const until = new Date(Date.now() + ms).toISOString();
    state.waitingFor = what;
    state.waitingUntil = until;
    setCurrentDetails(`**${journey.name}** · step \`${step.id}\`: ${what} until ${until}`);
    await sleep(ms, { summary: `${step.id}: ${what}` });
  };

  const runSteps = async () => {
    let stepId: string | undefined = journey.steps[0]?.id;
    for (let count = 0; stepId !== undefined && count < maxStepsPerRun; count++) {
      const i = index.get(stepId) ?? -1;
      const step = journey.steps[i];
      if (!step) throw new Error(`step "${stepId}" is not in the definition`);
      const following = journey.steps[i + 1]?.id;
      enter(step);
      const at = () => new Date().toISOString();
      switch (step.type) {
        case 'wait': {
          const ms = durationMs(step.duration);
          await waitFor(ms, step, `waiting ${formatDuration(ms)}`);
          stepId = step.next ?? following;
          break;
        }
        case 'waitUntil': {
          await freshProfile();
          const zone = profile?.timeZone && isValidTimeZone(profile.timeZone) ? profile.timeZone : 'UTC';
          const now = new Date();
          let until: Date | undefined;
          if (step.date) {
            until = localTimeOnDate(evaluateRef(step.date), step.at ?? '09:00', zone);
            // A missing or past date does not hold the run: it goes on at once.
            if (!until || until <= now) {
              state.steps[step.id] = { outcome: until ? 'date passed' : 'no date', at: at() };
              until = undefined;
            }
          } else {
            until = nextLocalTime(now, step.at ?? '09:00', zone, step.weekdays);
          }
          if (until)
            await waitFor(
              until.getTime() - now.getTime(),
              step,
              `waiting for ${until.toISOString()} (${zone})`,
            );
          stepId = step.next ?? following;
          break;
        }
        case 'waitForEvent': {
          const timeoutMs = durationMs(step.timeout);
          const find = () => {
            const k = received.findIndex(
              (event, at) => at >= consumedUpTo && matches(step, event, context()),
            );
            return k;
          };
          const until = new Date(Date.now() + timeoutMs).toISOString();
          state.waitingFor = `event "${step.event}"`;
          state.waitingUntil = until;
          setCurrentDetails(
            `**${journey.name}** · step \`${step.id}\`: waiting for "${step.event}" until ${until}`,
          );
          const happened = await condition(() => find() >= 0, timeoutMs, {
            summary: `${step.id}: wait for ${step.event}`,
          });
          if (happened) {
            const k = find();
            matchedEvent = received[k];
            consumedUpTo = k + 1;
            state.steps[step.id] = { outcome: 'event', at: at() };
            stepId = step.onEvent ?? step.next ?? following;
          } else {
            state.steps[step.id] = { outcome: 'timeout', at: at() };
            stepId = step.onTimeout ?? step.next ?? following;
          }
          break;
        }
        case 'branch': {
          if (pathsOf(step.when).some((path) => path.startsWith('profile'))) await freshProfile();
          const taken = evaluate(step.when, context());
          state.steps[step.id] = { outcome: taken ? 'then' : 'else', at: at() };
          stepId = taken ? step.then : step.else;
          break;
        }
        case 'split': {
          const arm = chooseArm(step.arms, `${journey.id}/${step.id}`, input.customerId);
          state.steps[step.id] = { outcome: arm.name, at: at() };
          stepId = arm.next;
          break;
        }
        case 'send': {
          const outcome = await send(step);
          state.steps[step.id] = {
            outcome: outcome.status,
            channel: outcome.channel,
            reason: outcome.reason,
            at: at(),
          };
          stepId = step.next ?? following;
          break;
        }
        case 'updateProfile': {
          const traits = Object.fromEntries(
            Object.entries(step.traits).map(([key, value]) => [
              key,
              isRef(value) ? evaluateRef(value.ref) : value,
            ]),
          );
          await updateProfileTraits.executeWithOptions(
            { startToCloseTimeout: '30 seconds', summary: `${step.id}: update profile` },
            [{ customerId: input.customerId, traits, at: at() }],
          );
          stepId = step.next ?? following;
          break;
        }
        case 'end':
          stepId = undefined;
          break;
      }
    }
  };
  /** A `{ ref: path }` read from the run's context (the condition language's own path reader). */
  const evaluateRef = (path: string) => valueAt(context(), path) ?? null;

  const send = async (step: Extract<Step, { type: 'send' }>): Promise<SendOutcome> => {
    let outcome: SendOutcome = { status: 'skipped', reason: 'not attempted' };
    for (let attempt = 0; attempt <= maxDeferrals; attempt++) {
      setCurrentDetails(
        `**${journey.name}** · step \`${step.id}\`: sending ${step.template} via ${step.channels.join(' → ')}`,
      );
      outcome = await deliver.executeWithOptions(
        {
          ...deliverOptions,
          summary: `${step.id}: send ${step.template} (${step.channels.join(' → ')})`,
        },
        [
          {
            dedupKey: `${info.workflowId}/${info.runId}/${step.id}${attempt > 0 ? `/${attempt}` : ''}`,
            customerId: input.customerId,
            journeyId: journey.id,
            journeyVersion: input.version,
            workflowId: info.workflowId,
            runId: info.runId,
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
            trigger: input.trigger,
          },
        ],
      );
      if (outcome.status !== 'deferred' || !outcome.until) return outcome;
      const ms = Math.max(0, Date.parse(outcome.until) - Date.now());
      await waitFor(ms, step, `deferred (${outcome.reason ?? 'not allowed now'})`);
    }
    return { status: 'skipped', reason: `deferred ${maxDeferrals} times` };
  };

  try {
    // A backlog event may already have ended the run: then no step runs at all.
    if (!ending) await steps.run(runSteps);
  } catch (error) {
    if (!(isCancellation(error) && ending)) {
      await CancellationScope.nonCancellable(() =>
        record('failed', error instanceof Error ? error.message : String(error)),
      );
      throw error;
    }
  }
  const final: { outcome: RunOutcome; reason: string; eventAt?: string } = ending ?? {
    outcome: 'completed',
    reason: 'all steps done',
  };
  state.status = final.outcome;
  state.reason = final.reason;
  state.currentStep = undefined;
  state.waitingFor = undefined;
  state.waitingUntil = undefined;
  setCurrentDetails(`**${journey.name}**: ${final.outcome} (${final.reason})`);
  await CancellationScope.nonCancellable(() => record(final.outcome, final.reason, final.eventAt));
  return { outcome: final.outcome, reason: final.reason, steps: state.steps };
}
