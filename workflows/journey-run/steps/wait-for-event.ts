import { condition, setCurrentDetails } from '@temporalio/workflow';
import { durationMs } from '../../../domain/duration.js';
import { matches, type RunEvent } from '../../../domain/journey-runtime.js';
import type { StepHandler } from './step-handler.js';

/**
 * Waits for an event (one that arrived after the last event a wait consumed counts, even if it
 * came while the run was in an earlier step), at most `timeout`; leaves by `event` or `timeout`.
 */
export const waitForEvent: StepHandler<'waitForEvent'> = async (step, run) => {
  const timeoutMs = durationMs(step.timeout);
  const wanted = (event: RunEvent) => matches(step, event, run.context());
  const until = new Date(Date.now() + timeoutMs).toISOString();
  run.state.waitingFor = `event "${step.event}"`;
  run.state.waitingUntil = until;
  setCurrentDetails(
    `**${run.journey.name}** · step \`${step.id}\`: waiting for "${step.event}" until ${until}`,
  );
  const happened = await condition(() => run.inbox.has(wanted), timeoutMs, {
    summary: `${step.id}: wait for ${step.event}`,
  });
  if (happened) {
    run.matchedEvent = run.inbox.take(wanted);
    run.outcome(step, { outcome: 'event' });
    return run.exit(step, 'event');
  }
  run.outcome(step, { outcome: 'timeout' });
  return run.exit(step, 'timeout');
};
