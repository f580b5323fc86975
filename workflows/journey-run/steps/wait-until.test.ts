import { describe, expect, it } from 'vitest';
import { useJourneyRuns } from '../../../test/helpers/journey-run-stubs.js';
import { journey, profile, send, waitUntil } from '../../../test/helpers/steps.js';

const day = 86_400_000;
/** Weekday and wall-clock time in a zone, e.g. `Wed 09:30`. */
const local = (ms: number, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', weekday: 'short' }).format(
    ms,
  );

describe('waitUntil step', () => {
  const runs = useJourneyRuns();

  it('waits for the next time of day on an allowed weekday, in the customer’s time zone', async () => {
    const run = await runs.start(
      journey({
        steps: [waitUntil({ id: 'morning', at: '09:30', weekdays: ['wed'] }), send({ id: 'hello' })],
      }),
      { profile: profile({ timeZone: 'Asia/Tokyo' }) },
    );
    await run.result();
    expect(run.calls.loadProfile).toHaveLength(1);
    const sentAt = run.calls.deliver[0]!.at;
    expect(local(sentAt, 'Asia/Tokyo')).toBe('Wed 09:30');
    expect(sentAt - run.startedAt).toBeGreaterThan(0);
    expect(sentAt - run.startedAt).toBeLessThanOrEqual(7 * day + 60_000);
  });

  it('waits until a date read from the profile, and goes on at once when that date has passed', async () => {
    const start = await runs.now();
    const inThreeDays = new Date(start.getTime() + 3 * day).toISOString().slice(0, 10);
    const renewal = journey({
      steps: [
        waitUntil({ id: 'renewal', date: 'profile.traits.renews_on', at: '10:00' }),
        send({ id: 'remind' }),
      ],
    });
    const future = await runs.start(renewal, { profile: profile({ traits: { renews_on: inThreeDays } }) });
    const past = await runs.start(renewal, { profile: profile({ traits: { renews_on: '2020-01-01' } }) });

    await future.result();
    const late = future.calls.deliver[0]!.at - Date.parse(`${inThreeDays}T10:00:00Z`); // UTC: no time zone
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(60_000);
    const { steps } = await past.result();
    expect(steps.renewal?.outcome).toBe('date passed');
    expect(past.calls.deliver[0]!.at - past.startedAt).toBeLessThan(60_000);
  });
});
