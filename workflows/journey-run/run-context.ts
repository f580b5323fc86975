import { patched, setCurrentDetails, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import type { JourneyStepActivities } from '../../activities/step-activities.js';
import { valueAt, type EvaluationContext } from '../../domain/condition.js';
import type { EventInbox } from '../../domain/event-inbox.js';
import type { JourneyDefinition, Step } from '../../domain/journey-definition.js';
import type { RunEvent } from '../../domain/journey-runtime.js';
import { searchAttributes } from '../../domain/search-attributes.js';
import { exitTo, type ExitNames, type StepOf, type StepType } from '../../domain/step-flow.js';
import { localProfileActivities, profileActivities } from './activity-options.js';
import type { JourneyRunInput, JourneyRunState, StepRecord } from './signals.js';

export type Profile = Awaited<ReturnType<JourneyStepActivities['loadProfile']>>;

/**
 * What a step handler works with: the run's input, its state (what the `runState` query shows),
 * its events, the profile as last loaded, and the run's ways of waiting. One per run.
 */
export class RunContext {
  readonly journey: JourneyDefinition;
  /** Undefined until a step loads it; null when the customer has no profile. */
  profile: Profile | undefined;
  /** The event the last `waitForEvent` matched: what conditions read as `event.…`. */
  matchedEvent: RunEvent | undefined;
  private readonly index: Map<string, number>;

  constructor(
    readonly input: JourneyRunInput,
    readonly state: JourneyRunState,
    readonly inbox: EventInbox,
  ) {
    this.journey = input.journey;
    this.index = new Map(input.journey.steps.map((step, i) => [step.id, i]));
  }

  /** The step with this id; a definition that names a missing step fails the run. */
  step(id: string): Step {
    const step = this.journey.steps[this.index.get(id) ?? -1];
    if (!step) throw new Error(`step "${id}" is not in the definition`);
    return step;
  }

  /** Makes `step` the current one, for the query and for ops searching runs by step. */
  enter(step: Step): void {
    this.state.currentStep = step.id;
    this.state.waitingFor = undefined;
    this.state.waitingUntil = undefined;
    upsertSearchAttributes([{ key: searchAttributes.JourneyStep, value: step.id }]);
  }

  /** Where the run goes when it leaves `step` by the exit called `name` (the domain's next-step rule). */
  exit<K extends StepType>(step: StepOf<K>, name: ExitNames[K]): string | undefined {
    return exitTo(step, name, this.journey.steps[(this.index.get(step.id) ?? -1) + 1]?.id);
  }

  /** Records how a step went, for the result and for later conditions (`steps.<id>.outcome`). */
  outcome(step: Step, record: Omit<StepRecord, 'at'>): void {
    this.state.steps[step.id] = { ...record, at: new Date().toISOString() };
  }

  /** What conditions see. */
  context(): EvaluationContext {
    return {
      trigger: this.input.trigger,
      event: this.matchedEvent,
      profile: this.profile ?? undefined,
      steps: this.state.steps,
    };
  }

  /** A `{ ref: path }` read from the run's context (the condition language's own path reader). */
  ref(path: string): unknown {
    return valueAt(this.context(), path) ?? null;
  }

  /** Reads the profile again: a journey runs for days, and the profile changes meanwhile. */
  async loadProfile(): Promise<Profile> {
    this.profile = await this.profileActivities().loadProfile.executeWithOptions(
      { summary: 'load profile' },
      [this.state.customerId],
    );
    return this.profile;
  }

  /** The profile's activities: local ones for runs started since `profile-local`. */
  profileActivities(): typeof profileActivities {
    return patched('profile-local') ? localProfileActivities : profileActivities;
  }

  /** Shows what the run waits for (query and Temporal UI), then sleeps on a durable timer. */
  async waitFor(ms: number, step: Step, what: string): Promise<void> {
    const until = new Date(Date.now() + ms).toISOString();
    this.state.waitingFor = what;
    this.state.waitingUntil = until;
    setCurrentDetails(`**${this.journey.name}** · step \`${step.id}\`: ${what} until ${until}`);
    await sleep(ms, { summary: `${step.id}: ${what}` });
  }
}
