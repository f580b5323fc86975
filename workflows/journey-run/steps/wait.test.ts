import { describe, expect, it } from 'vitest';
import { useJourneyRuns } from '../../../test/helpers/journey-run-stubs.js';
import { journey, send, wait } from '../../../test/helpers/steps.js';

const hour = 3_600_000;

describe('wait step', () => {
  const runs = useJourneyRuns();

  it('holds the run for its duration on a timer, then goes on', async () => {
    const run = await runs.start(
      journey({ steps: [wait({ id: 'pause', duration: '2h' }), send({ id: 'hello' })] }),
    );
    const waiting = await run.stateWhere((state) => state.waitingFor !== undefined);
    expect(waiting).toMatchObject({ currentStep: 'pause', waitingFor: 'waiting 2h' });
    expect(Date.parse(waiting.waitingUntil ?? '') - run.startedAt).toBeGreaterThanOrEqual(2 * hour);
    expect(run.calls.deliver).toHaveLength(0);

    expect((await run.result()).outcome).toBe('completed');
    const [delivery] = run.calls.deliver;
    expect(delivery!.at - run.startedAt).toBeGreaterThanOrEqual(2 * hour);
    expect(delivery!.at - run.startedAt).toBeLessThan(2 * hour + 60_000);
  });
});
