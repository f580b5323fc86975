import {
  condition,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
} from '@temporalio/workflow';
import type { ScheduledEntryActivities } from '../../activities/scheduled-entry.js';
import { rescheduleSignal, type ScheduledEntryInput } from './signals.js';

/** Database work heals within minutes: keep trying that long. */
const { scheduledEntryPlan } = proxyActivities<ScheduledEntryActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 20, maximumInterval: '1 minute' },
});
/** One occurrence's entries: long for a big segment, heartbeating its cursor after each page. */
const { enterScheduledOccurrence } = proxyActivities<ScheduledEntryActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: { maximumInterval: '1 minute' },
});

/** The plan (schedule, members' zones) is read again at least this often: a new zone is seen within it. */
const replanMs = 3_600_000;
/** An occurrence missed by more than this (no worker ran then) is skipped rather than sent late. */
const lateLimitMs = 3_600_000;
/** Plans per workflow run before it continues as new, so its history stays short. */
const plansPerRun = 200;

/**
 * One per scheduled journey (`scheduled-entry/<journey id>`): sleeps until the schedule's next fire
 * across its members' zones, then enters the members whose local time it is (the activity, through
 * the journey's entry rules). Ends when the journey is undeployed or no longer scheduled, or a
 * one-off date has passed everywhere; a redeploy signals it to plan again at once.
 */
export async function scheduledEntry(input: ScheduledEntryInput): Promise<string> {
  const { journeyId } = input;
  let woken = false;
  setHandler(rescheduleSignal, () => {
    woken = true;
  });
  let after = input.after ? Date.parse(input.after) : Date.now();
  for (let plans = 0; plans < plansPerRun; plans++) {
    woken = false;
    const plan = await scheduledEntryPlan({ journeyId, after: new Date(after).toISOString() });
    if (plan.state === 'gone') return 'the journey is no longer deployed with a schedule';
    if (plan.state === 'over') return 'the one-off date has passed';
    const fire = plan.fire && { at: new Date(plan.fire.at), zones: plan.fire.zones };
    const wait = fire ? fire.at.getTime() - Date.now() : replanMs;
    if (!fire || wait > 0) {
      setCurrentDetails(
        fire
          ? `**${journeyId}** (${plan.state}): next ${fire.at.toISOString()} for ${fire.zones.join(', ')}`
          : `**${journeyId}** (${plan.state}): no member in any zone yet`,
      );
      // Redeployed, or the fire is further than a replan away: plan again.
      if ((await condition(() => woken, Math.min(wait, replanMs))) || !fire || wait > replanMs) continue;
    }
    if (Date.now() - fire.at.getTime() <= lateLimitMs) {
      const counts = await enterScheduledOccurrence({
        journeyId,
        at: fire.at.toISOString(),
        zones: fire.zones,
      });
      setCurrentDetails(
        `**${journeyId}**: ${fire.at.toISOString()} (${fire.zones.join(', ')}): ${counts.started} started, ${counts.joined} joined, ${counts.notEntered} not entered, ${counts.dropped} dropped (paused)`,
      );
    }
    after = fire.at.getTime();
  }
  return continueAsNew<typeof scheduledEntry>({ journeyId, after: new Date(after).toISOString() });
}
