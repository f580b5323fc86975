import { describe, expect, it } from 'vitest';
import { chooseArm } from '../../../domain/split.js';
import { useJourneyRuns } from '../../../test/helpers/journey-run-stubs.js';
import { end, journey, split, updateProfile } from '../../../test/helpers/steps.js';

const arms = [
  { name: 'control', percent: 50, next: 'mark-control' },
  { name: 'variant', percent: 50, next: 'mark-variant' },
];
const experiment = journey({
  steps: [
    split({ id: 'ab', arms }),
    updateProfile({ id: 'mark-control', traits: { arm: 'control' }, next: 'done' }),
    updateProfile({ id: 'mark-variant', traits: { arm: 'variant' } }),
    end({ id: 'done' }),
  ],
});
/** The first customer id the stable hash puts in the arm. */
const customerIn = (arm: string) => {
  for (let i = 0; ; i++)
    if (chooseArm(arms, `${experiment.id}/ab`, `customer-${i}`).name === arm) return `customer-${i}`;
};

describe('split step', () => {
  const runs = useJourneyRuns();

  it('sends each customer down the arm the stable hash picks for them', async () => {
    for (const arm of ['control', 'variant']) {
      const run = await runs.start(experiment, { customerId: customerIn(arm) });
      expect((await run.result()).steps.ab?.outcome).toBe(arm);
      expect(run.calls.updateProfileTraits.map((call) => call.input.traits)).toEqual([{ arm }]);
    }
  });
});
