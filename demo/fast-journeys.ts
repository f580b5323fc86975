import type { JourneyDefinition } from '../domain/journey-definition.js';
import { parseDuration } from '../domain/duration.js';

/** A duration divided by `speed`, written in whole seconds (never below one). */
function faster(duration: string, speed: number): string {
  const ms = parseDuration(duration);
  return ms === undefined ? duration : `${Math.max(1, Math.round(ms / speed / 1000))}s`;
}

/**
 * The same journey with every duration divided by `speed` (waits, timeouts, cooldowns, windows),
 * so the demo shows a week of journey in minutes. The id stays, so the Temporal UI filters and the
 * stats work as they would in production; the version differs, as it is another definition.
 */
export function speedUpJourney(definition: JourneyDefinition, speed: number): JourneyDefinition {
  const f = (duration: string) => faster(duration, speed);
  return {
    ...definition,
    description: `${definition.description ?? definition.name} (demo: ${speed}× faster)`,
    reEntry:
      definition.reEntry.mode === 'cooldown'
        ? { ...definition.reEntry, cooldown: f(definition.reEntry.cooldown) }
        : definition.reEntry,
    goal: definition.goal
      ? { ...definition.goal, within: definition.goal.within && f(definition.goal.within) }
      : undefined,
    entryLimit: definition.entryLimit
      ? { ...definition.entryLimit, within: f(definition.entryLimit.within) }
      : undefined,
    steps: definition.steps.map((step) => {
      switch (step.type) {
        case 'wait':
          return { ...step, duration: f(step.duration) };
        case 'waitForEvent':
          return { ...step, timeout: f(step.timeout) };
        case 'send':
          return step.intentWindow ? { ...step, intentWindow: f(step.intentWindow) } : step;
        default:
          return step;
      }
    }),
  };
}
