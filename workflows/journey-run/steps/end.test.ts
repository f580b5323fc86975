import { describe, expect, it } from 'vitest';
import { useJourneyRuns } from '../../../test/helpers/journey-run-stubs.js';
import { branch, end, journey, send } from '../../../test/helpers/steps.js';

describe('end step', () => {
  const runs = useJourneyRuns();

  it('completes the run there: the steps after it do not run', async () => {
    const stopEarly = journey({
      steps: [
        branch({ id: 'always', when: { path: 'trigger.name', op: 'exists' }, then: 'stop', else: 'more' }),
        end({ id: 'stop' }),
        send({ id: 'more' }),
      ],
    });
    const run = await runs.start(stopEarly);
    expect(await run.result()).toMatchObject({ outcome: 'completed', reason: 'all steps done' });
    expect(run.calls.deliver).toHaveLength(0);
  });
});
