import { CancelledFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { useJourneyRuns } from '../../test/helpers/journey-run-stubs.js';
import { journey, send, wait } from '../../test/helpers/steps.js';
import { temporalCancelReason } from './workflow.js';

/** A cancel request from the Temporal UI or CLI (the workflow itself cancelled), with stub activities. */
const cart = journey({
  trigger: { event: 'Product Added' },
  steps: [wait({ id: 'wait', duration: '1d' }), send({ id: 'reminder' })],
});

describe('a run cancelled in Temporal', () => {
  const runs = useJourneyRuns();

  it('records outcome cancelled with the reason, sends nothing, and ends Canceled in Temporal', async () => {
    const run = await runs.start(cart);
    await run.stateWhere((state) => state.currentStep === 'wait');
    await run.handle.cancel();
    const failure = await run.result().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await run.handle.describe()).status.name).toBe('CANCELLED');
    expect(run.calls.deliver).toHaveLength(0);
    expect(run.calls.recordJourneyRun.map((call) => call.input)).toEqual([
      expect.objectContaining({ status: 'cancelled', reason: temporalCancelReason }),
    ]);
    expect(await run.state()).toMatchObject({ status: 'cancelled', reason: temporalCancelReason });
  });
});
