import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyDefinitionInput } from '../domain/journey-definition.js';
import { journeyWorkflowId } from '../domain/journey-runtime.js';
import { searchAttributes } from '../domain/search-attributes.js';
import abandonedCart from '../journeys/abandoned-cart.js';
import { runStateQuery } from '../workflows/journey-run/signals.js';
import {
  createJourneyHarness,
  useTimeSkippingJourneys,
  type JourneyHarness,
} from './helpers/journey-harness.js';
import { connectDevServer, type DevServerClients } from './helpers/temporal.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

const hour = 3_600_000;

const twoStep = (firstWait: string, template: string): JourneyDefinitionInput => ({
  id: 'versioned',
  name: 'Versioned',
  trigger: { event: 'Signed Up' },
  reEntry: { mode: 'always' },
  steps: [
    { id: 'pause', type: 'wait', duration: firstWait },
    { id: 'hello', type: 'send', template, channels: ['email'], intentKey: 'hello' },
  ],
});

describe('deploying a new version', () => {
  const context = useTimeSkippingJourneys();
  let env: TestWorkflowEnvironment;
  let harness: JourneyHarness;
  beforeAll(() => void ({ env, harness } = context));

  it('leaves runs in flight on their old steps; new runs take the new ones', async () => {
    const [v1] = await harness.deploy([twoStep('1h', 'welcome-1')]);
    const start = await env.currentTimeMs();
    await harness.track('old-timer', 'Signed Up');
    const [v2] = await harness.deploy([twoStep('5h', 'welcome-2')]);
    expect(v2!.version).not.toBe(v1!.version);
    await harness.track('newcomer', 'Signed Up');

    const oldId = await harness.customerId('old-timer');
    const newId = await harness.customerId('newcomer');
    await harness.result('versioned', oldId, 'default');
    await harness.result('versioned', newId, 'default');
    const [oldSend] = harness.deliverer.forCustomer(oldId);
    const [newSend] = harness.deliverer.forCustomer(newId);
    expect(oldSend?.request).toMatchObject({ template: 'welcome-1', journeyVersion: v1!.version });
    expect(newSend?.request).toMatchObject({ template: 'welcome-2', journeyVersion: v2!.version });
    expect((oldSend!.scheduledAt - start) / hour).toBeLessThan(1.1);
    expect((newSend!.scheduledAt - start) / hour).toBeGreaterThanOrEqual(5);
  });
});

describe('waiting for a local time and a date from the profile', () => {
  const context = useTimeSkippingJourneys();
  let env: TestWorkflowEnvironment;
  let harness: JourneyHarness;
  beforeAll(() => void ({ env, harness } = context));

  it("sends at 10:00 in the customer's own time zone on the date in their profile, and on a weekday at 09:00", async () => {
    const now = new Date(await env.currentTimeMs());
    const renewal = new Date(now.getTime() + 3 * 86_400_000).toISOString().slice(0, 10);
    await harness.deploy([
      {
        id: 'renewal',
        name: 'Renewal reminder',
        trigger: { event: 'Plan Started' },
        steps: [
          { id: 'on-renewal-day', type: 'waitUntil', date: 'profile.traits.renewal_date', at: '10:00' },
          { id: 'remind', type: 'send', template: 'welcome-1', channels: ['email'], intentKey: 'renewal' },
          { id: 'next-monday', type: 'waitUntil', at: '09:00', weekdays: ['mon'] },
          { id: 'again', type: 'send', template: 'welcome-2', channels: ['email'], intentKey: 'renewal-2' },
        ],
      },
    ]);
    await harness.identify('tz-user', { renewal_date: renewal }, { timezone: 'Asia/Tokyo' });
    await harness.track('tz-user', 'Plan Started');
    const customerId = await harness.customerId('tz-user');
    expect((await harness.result('renewal', customerId, 'default')).outcome).toBe('completed');
    const [first, second] = harness.deliverer.forCustomer(customerId);
    // 10:00 in Tokyo (UTC+9) is 01:00 UTC on the renewal date.
    expect(Math.abs(first!.scheduledAt - Date.parse(`${renewal}T01:00:00Z`))).toBeLessThan(1_000);
    const monday = new Date(second!.scheduledAt);
    expect(monday.getUTCDay()).toBe(1); // 09:00 Tokyo on a Monday is 00:00 UTC the same Monday
    expect(monday.getUTCHours() * 60 + monday.getUTCMinutes()).toBe(0);
  });
});

describe('ops in the Temporal UI (dev server, real visibility)', () => {
  let server: DevServerClients;
  let database: TestDatabase;
  let harness: JourneyHarness;
  beforeAll(async () => {
    [server, database] = await Promise.all([connectDevServer(), createTestDatabase()]);
    harness = await createJourneyHarness(server, database);
    await harness.deploy([abandonedCart]);
  });
  afterAll(async () => {
    await harness?.close();
    await server?.close();
    await database?.drop();
  });

  it('finds the run by JourneyId and CustomerId; describe shows the summary, details and the waiting step', async () => {
    const user = `ops-${randomUUID()}`;
    await harness.track(user, 'Product Added', { cart_id: 'cart-ops', product_id: 'p1' });
    const customerId = await harness.customerId(user);
    const query = `JourneyId='abandoned-cart' AND CustomerId='${customerId}'`;
    const found: string[] = [];
    for (let attempt = 0; attempt < 40 && found.length === 0; attempt++) {
      for await (const run of server.client.workflow.list({ query })) found.push(run.workflowId);
      if (found.length === 0) await sleep(250);
    }
    expect(found).toEqual([journeyWorkflowId('abandoned-cart', customerId, 'cart-ops')]);

    const handle = server.client.workflow.getHandle(found[0]!);
    let state = await handle.query(runStateQuery);
    for (let attempt = 0; attempt < 40 && state.waitingFor === undefined; attempt++) {
      await sleep(100);
      state = await handle.query(runStateQuery);
    }
    expect(state).toMatchObject({
      journeyId: 'abandoned-cart',
      currentStep: 'wait-1h',
      waitingFor: 'waiting 1h',
      status: 'running',
    });

    const description = await handle.describe();
    expect(await description.staticSummary()).toBe(`Abandoned cart · customer ${customerId} · key cart-ops`);
    expect(await description.staticDetails()).toContain('started by **Product Added**');
    expect(description.typedSearchAttributes.get(searchAttributes.JourneyStep)).toBe('wait-1h');
    // What the UI shows as "current details": the SDK's built-in metadata query.
    const metadata = (await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string };
    expect(metadata.currentDetails).toMatch(/step `wait-1h`: waiting 1h until \d{4}-/);

    // Ops can cancel a run; it ends at once with a recorded outcome.
    const { cancelJourneyRun } = await import('../workflows/journey-run/lifecycle.js');
    await cancelJourneyRun(server.client, found[0]!, 'test: cancelled by ops');
    const result = (await handle.result()) as { outcome: string };
    expect(result.outcome).toBe('cancelled');
  });
});
