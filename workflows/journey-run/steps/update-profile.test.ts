import { describe, expect, it } from 'vitest';
import { useJourneyRuns } from '../../../test/helpers/journey-run-stubs.js';
import { event, journey, updateProfile } from '../../../test/helpers/steps.js';

describe('updateProfile step', () => {
  const runs = useJourneyRuns();

  it('sets literal traits and traits read from the run’s context (null when the path is empty)', async () => {
    const mark = journey({
      steps: [
        updateProfile({
          id: 'mark',
          traits: {
            plan: 'gold',
            last_cart: { ref: 'trigger.properties.cart_id' },
            missing: { ref: 'trigger.properties.nothing_here' },
          },
        }),
      ],
    });
    const run = await runs.start(mark, {
      trigger: event('Signed Up', { cart_id: 'c-9' }),
      customerId: 'customer-3',
    });
    await run.result();
    expect(run.calls.updateProfileTraits.map((call) => call.input)).toEqual([
      {
        customerId: 'customer-3',
        traits: { plan: 'gold', last_cart: 'c-9', missing: null },
        at: expect.any(String),
      },
    ]);
  });
});
