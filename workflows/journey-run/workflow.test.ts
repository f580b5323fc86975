import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { useJourneyRuns } from '../../test/helpers/journey-run-stubs.js';
import { event, journey, send, wait } from '../../test/helpers/steps.js';

/** Each way a run ends, with stub activities on a time-skipping server. */
const hour = 3_600_000;
const cart = journey({
  trigger: { event: 'Product Added' },
  goal: { event: 'Order Completed', within: '7d' },
  exit: [{ event: 'Cart Emptied', where: { path: 'event.properties.all', op: 'eq', value: true } }],
  steps: [wait({ id: 'wait', duration: '1d' }), send({ id: 'reminder' })],
});

describe('journey run endings', () => {
  const runs = useJourneyRuns();

  it('completes after its last step, recording the outcome once (the router recorded the start)', async () => {
    const run = await runs.start(cart);
    const result = await run.result();
    expect(result).toMatchObject({ outcome: 'completed', reason: 'all steps done' });
    expect(run.calls.deliver).toHaveLength(1);
    expect(run.calls.recordJourneyRun.map((call) => call.input)).toEqual([
      expect.objectContaining({ status: 'completed', reason: 'all steps done', journeyId: cart.id }),
    ]);
    const state = await run.state();
    expect(state.status).toBe('completed');
    expect(state.currentStep).toBeUndefined();
  });

  it('converts on the goal event: the pending wait stops and nothing more is sent', async () => {
    const run = await runs.start(cart);
    await run.stateWhere((state) => state.currentStep === 'wait');
    await runs.env.sleep(2 * hour);
    const goal = event('Order Completed', {}, await runs.now());
    await run.signal(goal);
    expect(await run.result()).toMatchObject({ outcome: 'converted', reason: 'goal: Order Completed' });
    expect(run.calls.deliver).toHaveLength(0);
    expect(run.calls.recordJourneyRun.at(-1)?.input).toMatchObject({
      status: 'converted',
      endedByEventAt: goal.occurredAt,
    });
  });

  it('exits on an exit event that matches, and only on one that matches', async () => {
    const run = await runs.start(cart);
    await run.stateWhere((state) => state.currentStep === 'wait');
    await run.signal(event('Cart Emptied', { all: false }));
    expect(await run.stateWhere((state) => state.eventsReceived === 1)).toMatchObject({ status: 'running' });
    await run.signal(event('Cart Emptied', { all: true }));
    expect(await run.result()).toMatchObject({ outcome: 'exited', reason: 'exit: Cart Emptied' });
    expect(run.calls.deliver).toHaveLength(0);
  });

  it('is cancelled by the cancelRun signal', async () => {
    const run = await runs.start(cart);
    await run.stateWhere((state) => state.currentStep === 'wait');
    await run.cancel('customer asked support');
    expect(await run.result()).toMatchObject({ outcome: 'cancelled', reason: 'customer asked support' });
    expect(run.calls.deliver).toHaveLength(0);
    expect(run.calls.recordJourneyRun.at(-1)?.input.status).toBe('cancelled');
  });

  it('a send that fails for good is a failed step, not a failed run (issue 16)', async () => {
    const run = await runs.start(cart, {
      deliver: () => {
        throw ApplicationFailure.nonRetryable('template is broken', 'TemplateError');
      },
    });
    const result = await run.result();
    expect(result.steps).toMatchObject({ reminder: { outcome: 'failed' } });
    expect(run.calls.deliver).toHaveLength(1);
    expect(run.calls.recordJourneyRun.map((call) => call.input.status)).toEqual(['completed']);
  });

  it('ends before any step when an event routed before it started is its goal', async () => {
    const run = await runs.start(cart, { backlog: [event('Order Completed')] });
    expect(await run.result()).toMatchObject({ outcome: 'converted', steps: {} });
    expect((await run.state()).currentStep).toBeUndefined();
    expect(run.calls.deliver).toHaveLength(0);
  });
});
