import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { useJourneyRuns } from '../../../test/helpers/journey-run-stubs.js';
import { event, journey, send } from '../../../test/helpers/steps.js';

const hour = 3_600_000;

describe('send step', () => {
  const runs = useJourneyRuns();

  it('asks for one delivery with the step’s settings and records its outcome for later steps', async () => {
    const reminder = journey({
      trigger: { event: 'Product Added' },
      steps: [
        send({
          id: 'remind',
          template: 'cart-reminder',
          channels: ['push', 'email'],
          intentKey: 'cart',
          intentWindow: '20h',
          overCap: 'nextChannel',
        }),
      ],
    });
    const trigger = event('Product Added', { cart_id: 'c-1' });
    const run = await runs.start(reminder, { trigger, customerId: 'customer-7' });
    const result = await run.result();
    const { workflowId, runId } = await run.handle.describe();
    expect(run.calls.deliver.map((call) => call.input)).toEqual([
      {
        dedupKey: `${workflowId}/${runId}/remind`,
        customerId: 'customer-7',
        journeyId: reminder.id,
        journeyVersion: 'v1',
        workflowId,
        runId,
        stepId: 'remind',
        template: 'cart-reminder',
        channels: ['push', 'email'],
        intentKey: 'cart',
        intentWindowMs: 20 * hour,
        category: 'marketing',
        tags: [],
        overCap: 'nextChannel',
        quietHours: 'defer',
        trigger,
      },
    ]);
    expect(result.steps.remind).toMatchObject({ outcome: 'sent', channel: 'push' });
  });

  it('waits out a deferral until the time the pipeline names, then asks again under a new key', async () => {
    const eightHoursIn = (request: { trigger: { occurredAt: string } }) =>
      new Date(Date.parse(request.trigger.occurredAt) + 8 * hour).toISOString();
    const run = await runs.start(journey({ steps: [send({ id: 'promo' })] }), {
      deliver: (request, n) =>
        n === 1
          ? { status: 'deferred', reason: 'quiet hours', until: eightHoursIn(request) }
          : { status: 'sent', channel: request.channels[0] },
    });
    const result = await run.result();
    expect(result.steps.promo).toMatchObject({ outcome: 'sent' });
    const [first, second] = run.calls.deliver;
    expect(second!.input.dedupKey).toBe(`${first!.input.dedupKey}/1`);
    expect(second!.at).toBeGreaterThanOrEqual(Date.parse(eightHoursIn(first!.input)));
  });

  it('records a send whose activity failed for good as a failed step, and the run goes on', async () => {
    const run = await runs.start(journey({ steps: [send({ id: 'first' }), send({ id: 'second' })] }), {
      deliver: (request) => {
        if (request.stepId === 'first') throw ApplicationFailure.nonRetryable('template broke', 'Render');
        return { status: 'sent', channel: request.channels[0] };
      },
    });
    const result = await run.result();
    expect(result.steps.first).toMatchObject({ outcome: 'failed' });
    expect(String(result.steps.first?.reason)).toContain('template broke');
    expect(result.steps.second).toMatchObject({ outcome: 'sent' });
  });
});
