import { describe, expect, it } from 'vitest';
import { searchAttributes } from '../../domain/search-attributes.js';
import { useJourneyRuns } from '../../test/helpers/journey-run-stubs.js';
import { event, journey, send, wait } from '../../test/helpers/steps.js';
import { customerMergedSignal, mergedIntoSignal } from './signals.js';

/** What a run does when its customer is merged into another, with stub activities. */
const cart = journey({
  trigger: { event: 'Product Added' },
  goal: { event: 'Order Completed', within: '7d' },
  steps: [send({ id: 'first' }), wait({ id: 'wait', duration: '1d' }), send({ id: 'second' })],
});
const survivor = 'survivor-customer';

describe('journey run after a merge', () => {
  const runs = useJourneyRuns();

  it('ends at once with outcome merged on mergedInto: the pending wait stops, nothing more is sent', async () => {
    const run = await runs.start(cart);
    await run.stateWhere((state) => state.currentStep === 'wait');
    const keeper = { runId: 'keeper-run', workflowId: 'journey/x/y/z', customerId: survivor };
    await run.handle.signal(mergedIntoSignal, keeper);
    expect(await run.result()).toMatchObject({ outcome: 'merged', reason: 'merged into run keeper-run' });
    expect(run.calls.deliver.map((call) => call.input.stepId)).toEqual(['first']);
    expect(run.calls.recordJourneyRun.at(-1)?.input).toMatchObject({
      status: 'merged',
      mergedIntoRunId: 'keeper-run',
      customerId: survivor,
    });
    expect((await run.state()).customerId).toBe(survivor);
  });

  it('goes on for the survivor on customerMerged: profile, sends, record and search attribute', async () => {
    const run = await runs.start(cart, { customerId: 'merged-customer' });
    await run.stateWhere((state) => state.currentStep === 'wait');
    expect(run.calls.deliver[0]?.input.customerId).toBe('merged-customer');
    await run.handle.signal(customerMergedSignal, survivor);
    await run.stateWhere((state) => state.customerId === survivor);
    const described = await run.handle.describe();
    expect(described.typedSearchAttributes.get(searchAttributes.CustomerId)).toBe(survivor);
    await run.signal(event('Product Added', { sku: 'from-the-other-device' }));
    expect(await run.result()).toMatchObject({ outcome: 'completed' });
    expect(run.calls.deliver.map((call) => [call.input.stepId, call.input.customerId])).toEqual([
      ['first', 'merged-customer'],
      ['second', survivor],
    ]);
    expect(run.calls.recordJourneyRun.at(-1)?.input).toMatchObject({
      status: 'completed',
      customerId: survivor,
    });
    expect((await run.state()).eventsReceived).toBe(1);
  });

  it('ignores mergedInto once it has ended another way', async () => {
    const run = await runs.start(cart, { backlog: [event('Order Completed')] });
    expect(await run.result()).toMatchObject({ outcome: 'converted' });
    await expect(
      run.handle.signal(mergedIntoSignal, { runId: 'k', workflowId: 'w', customerId: survivor }),
    ).rejects.toThrow();
    expect(run.calls.recordJourneyRun.map((call) => call.input.status)).toEqual(['converted']);
  });
});
