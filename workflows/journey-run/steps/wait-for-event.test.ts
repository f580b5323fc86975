import { describe, expect, it } from 'vitest';
import { useJourneyRuns, type StubRun } from '../../../test/helpers/journey-run-stubs.js';
import { end, event, journey, send, updateProfile, waitForEvent } from '../../../test/helpers/steps.js';

const hour = 3_600_000;
const clicked = journey({
  trigger: { event: 'Product Added' },
  steps: [
    waitForEvent({
      id: 'click',
      event: 'Link Clicked',
      where: { path: 'event.properties.cart_id', op: 'eq', value: { ref: 'trigger.properties.cart_id' } },
      timeout: '1d',
      onEvent: 'thanks',
      onTimeout: 'nudge',
    }),
    updateProfile({
      id: 'thanks',
      traits: { clicked_cart: { ref: 'event.properties.cart_id' } },
      next: 'done',
    }),
    send({ id: 'nudge' }),
    end({ id: 'done' }),
  ],
});
const templates = (run: StubRun) => run.calls.deliver.map((call) => call.input.template);

describe('waitForEvent step', () => {
  const runs = useJourneyRuns();
  const start = async () => runs.start(clicked, { trigger: event('Product Added', { cart_id: 'c-1' }) });

  it('leaves by onEvent when a matching event comes in time, and the steps after it read that event', async () => {
    const run = await start();
    await run.stateWhere((state) => state.waitingFor === 'event "Link Clicked"');
    await runs.env.sleep(hour);
    await run.signal(event('Link Clicked', { cart_id: 'another cart' }));
    await run.signal(event('Link Clicked', { cart_id: 'c-1' }));
    const { steps } = await run.result();
    expect(steps.click?.outcome).toBe('event');
    expect(run.calls.updateProfileTraits.map((call) => call.input.traits)).toEqual([{ clicked_cart: 'c-1' }]);
    expect(templates(run)).toEqual([]);
  });

  it('leaves by onTimeout when none comes', async () => {
    const run = await start();
    const { steps } = await run.result();
    expect(steps.click?.outcome).toBe('timeout');
    expect(templates(run)).toEqual(['nudge-template']);
    expect(run.calls.deliver[0]!.at - run.startedAt).toBeGreaterThanOrEqual(24 * hour);
  });

  it('counts an event that came before the wait, but never the same event twice', async () => {
    const twice = journey({
      steps: [
        waitForEvent({ id: 'first', event: 'Link Clicked', timeout: '1h' }),
        waitForEvent({ id: 'second', event: 'Link Clicked', timeout: '1h' }),
      ],
    });
    const click = event('Link Clicked');
    const run = await runs.start(twice, { backlog: [click, click] });
    const { steps } = await run.result();
    expect([steps.first?.outcome, steps.second?.outcome]).toEqual(['event', 'timeout']);
  });
});
