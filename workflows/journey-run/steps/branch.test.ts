import { describe, expect, it } from 'vitest';
import { useJourneyRuns } from '../../../test/helpers/journey-run-stubs.js';
import { branch, end, event, journey, profile, send } from '../../../test/helpers/steps.js';

const byOrders = journey({
  steps: [
    branch({
      id: 'buyer',
      when: { path: 'profile.orderCount', op: 'gt', value: 0 },
      then: 'thanks',
      else: 'offer',
    }),
    send({ id: 'thanks', next: 'done' }),
    send({ id: 'offer' }),
    end({ id: 'done' }),
  ],
});

describe('branch step', () => {
  const runs = useJourneyRuns();

  it('takes then when the condition holds and else when it does not, reading a fresh profile', async () => {
    const buyer = await runs.start(byOrders, { profile: profile({ orderCount: 2 }) });
    const newcomer = await runs.start(byOrders, { profile: profile({ orderCount: 0 }) });
    expect((await buyer.result()).steps.buyer?.outcome).toBe('then');
    expect((await newcomer.result()).steps.buyer?.outcome).toBe('else');
    expect(buyer.calls.deliver.map((call) => call.input.stepId)).toEqual(['thanks']);
    expect(newcomer.calls.deliver.map((call) => call.input.stepId)).toEqual(['offer']);
    expect(buyer.calls.loadProfile).toHaveLength(1);
  });

  it('does not load the profile for a condition that does not read it', async () => {
    const byTrigger = journey({
      steps: [
        branch({
          id: 'big',
          when: { path: 'trigger.properties.total', op: 'gte', value: 100 },
          then: 'vip',
          else: 'done',
        }),
        send({ id: 'vip' }),
        end({ id: 'done' }),
      ],
    });
    const run = await runs.start(byTrigger, { trigger: event('Signed Up', { total: 250 }) });
    expect((await run.result()).steps.big?.outcome).toBe('then');
    expect(run.calls.loadProfile).toHaveLength(0);
    expect(run.calls.deliver).toHaveLength(1);
  });
});
