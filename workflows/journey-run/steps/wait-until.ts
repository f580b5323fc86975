import { isValidTimeZone, localTimeOnDate, nextLocalTime } from '../../../domain/local-time.js';
import type { StepHandler } from './step-handler.js';

/**
 * Holds the run until a local time of day (optionally on given weekdays), or until a time on a
 * date read from the run's context, in the customer's time zone (UTC when the profile has none).
 */
export const waitUntil: StepHandler<'waitUntil'> = async (step, run) => {
  const profile = await run.loadProfile();
  const zone = profile?.timeZone && isValidTimeZone(profile.timeZone) ? profile.timeZone : 'UTC';
  const now = new Date();
  let until: Date | undefined;
  if (step.date) {
    until = localTimeOnDate(run.ref(step.date), step.at ?? '09:00', zone);
    // A missing or past date does not hold the run: it goes on at once.
    if (!until || until <= now) {
      run.outcome(step, { outcome: until ? 'date passed' : 'no date' });
      until = undefined;
    }
  } else {
    until = nextLocalTime(now, step.at ?? '09:00', zone, step.weekdays);
  }
  if (until)
    await run.waitFor(until.getTime() - now.getTime(), step, `waiting for ${until.toISOString()} (${zone})`);
  return run.exit(step, 'next');
};
