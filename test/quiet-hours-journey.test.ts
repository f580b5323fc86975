import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveries } from '../db/schema.js';
import type { Deliverer } from '../delivery/delivery-request.js';
import { localParts, nextLocalTime } from '../domain/local-time.js';
import { defineJourney } from '../journeys/define-journey.js';
import { activityServerClock, emailPipeline } from './helpers/email-pipeline.js';
import { createJourneyHarness, timeSkipping, type JourneyHarness } from './helpers/journey-harness.js';
import type { SmtpPeer } from './helpers/smtp-peer.js';
import { startEmailJourneyServers, type EmailJourneyServers } from './helpers/email-journey-servers.js';
import type { TestDatabase } from './helpers/test-database.js';

const zone = 'America/New_York';

const nightlyReminder = defineJourney({
  id: 'nightly-reminder',
  name: 'Nightly reminder',
  trigger: { event: 'Reminder Requested', entryKey: 'trigger.properties.ref' },
  steps: [
    {
      id: 'remind',
      type: 'send',
      template: 'cart-reminder',
      channels: ['email'],
      intentKey: 'nightly-reminder',
      quietHours: 'defer',
      overCap: 'skip',
    },
    { id: 'done', type: 'end' },
  ],
});

const skippedAtNight = defineJourney({
  id: 'reminder-or-nothing',
  name: 'Reminder, or nothing at night',
  trigger: { event: 'Reminder Or Nothing', entryKey: 'trigger.properties.ref' },
  steps: [
    {
      id: 'remind',
      type: 'send',
      template: 'cart-reminder',
      channels: ['email'],
      intentKey: 'reminder-or-nothing',
      quietHours: 'skip',
    },
    { id: 'done', type: 'end' },
  ],
});

const orderConfirmation = defineJourney({
  id: 'order-confirmation',
  name: 'Order confirmation',
  trigger: { event: 'Order Completed', entryKey: 'trigger.properties.order_id' },
  steps: [
    {
      id: 'confirm',
      type: 'send',
      template: 'order-thank-you',
      channels: ['email'],
      intentKey: 'order-confirmation',
      category: 'transactional',
    },
    { id: 'done', type: 'end' },
  ],
});

/**
 * Quiet hours through the whole path on the time-skipping server: a journey's marketing email due
 * at 23:00 customer time is deferred by the real pipeline, the workflow sleeps to the window's
 * opening, and the send is decided again there — caps included — before it reaches the SMTP peer.
 */
describe('quiet hours in a running journey', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let smtp: SmtpPeer;
  let servers: EmailJourneyServers | undefined;
  let harness: JourneyHarness;

  beforeAll(async () => {
    servers = await startEmailJourneyServers();
    ({ env, database, smtp } = servers);
    const pipeline = emailPipeline(database.db, smtp.url, {
      // One message a day, so a message sent overnight uses the slot a deferred one waits for.
      caps: [{ id: 'one-a-day', max: 1, windowMs: 86_400_000 }],
      // The activity runs at wall time; the decision must use the server's (skipped) time.
      now: activityServerClock,
    });
    // Fault injection (no real peer can die on cue): for ref `dies-after-saving`, the first attempt
    // saves its decision through the real pipeline, then fails as a worker dying before it reported.
    const dying: Deliverer = {
      async deliver(request, context) {
        const outcome = await pipeline.deliver(request, context);
        if (request.trigger.properties.ref === 'dies-after-saving' && context?.attempt === 1)
          throw new Error('the worker died after saving its decision');
        return outcome;
      },
    };
    harness = await createJourneyHarness(timeSkipping(env), database, { deliverer: dying });
    await harness.deploy([nightlyReminder, skippedAtNight, orderConfirmation]);
  });
  afterAll(async () => {
    await harness?.close();
    await servers?.close();
  });

  /** Moves the server to the next 23:00 in the customer's zone. */
  const skipTo11pm = async () => {
    const now = new Date(await env.currentTimeMs());
    await env.sleep(nextLocalTime(now, '23:00', zone).getTime() - now.getTime());
    return new Date(await env.currentTimeMs());
  };
  const mailTo = (address: string) => smtp.messages.filter((m) => JSON.stringify(m.to).includes(address));
  const customer = async (name: string) => {
    const email = `${name}@example.test`;
    await harness.identify(name, { email, first_name: name }, { timezone: zone });
    return { email, id: await harness.customerId(name) };
  };

  it('defer: a send due at 23:00 is delivered at 09:00 (+ jitter) the next morning', async () => {
    const { email, id } = await customer('night-owl');
    const dueAt = await skipTo11pm();
    await harness.track('night-owl', 'Reminder Requested', { ref: 'r1' });
    const result = await harness.result('nightly-reminder', id, 'r1');
    expect(result.outcome).toBe('completed');

    const [first, second] = harness.deliverer.forCustomer(id);
    expect(first?.outcome).toMatchObject({ status: 'deferred', reason: `quiet hours 21:00–09:00 ${zone}` });
    expect(localParts(new Date(first!.scheduledAt), zone).minutes).toBe(23 * 60);
    expect(second?.outcome).toMatchObject({ status: 'sent', channel: 'email' });
    const release = localParts(new Date(second!.scheduledAt), zone);
    expect(release.minutes).toBeGreaterThanOrEqual(9 * 60);
    expect(release.minutes).toBeLessThan(9 * 60 + 30);
    expect(second!.scheduledAt - dueAt.getTime()).toBeLessThan(11 * 3_600_000);

    expect(mailTo(email)).toHaveLength(1);
    const rows = await database.db.select().from(deliveries).where(eq(deliveries.customerId, id));
    expect(rows.map((r) => r.status).sort()).toEqual(['deferred', 'sent']);
  });

  it('defer re-checks caps at the opening: an order confirmation sent overnight took the slot', async () => {
    const { email, id } = await customer('night-shopper');
    await skipTo11pm();
    await harness.track('night-shopper', 'Reminder Requested', { ref: 'r2' });
    // Transactional mail ignores quiet hours and caps, but counts toward them.
    await env.sleep('30m');
    await harness.track('night-shopper', 'Order Completed', { order_id: 'o-night' });
    expect((await harness.result('order-confirmation', id, 'o-night')).outcome).toBe('completed');
    const result = await harness.result('nightly-reminder', id, 'r2');
    expect(result.outcome).toBe('completed');

    const outcomes = harness.deliverer.forCustomer(id).map((r) => [r.request.stepId, r.outcome.status]);
    expect(outcomes).toEqual([
      ['remind', 'deferred'],
      ['confirm', 'sent'],
      ['remind', 'skipped'],
    ]);
    expect(harness.deliverer.forCustomer(id)[2]?.outcome.reason).toBe('email: cap one-a-day (1 per 24 h)');
    expect(mailTo(email).map((m) => m.subject)).toEqual(['Thank you for your order']);
  });

  it('a deferral retried after its decision was saved: the retry gets the saved release time, the mail goes out then', async () => {
    const { email, id } = await customer('night-retry');
    await skipTo11pm();
    await harness.track('night-retry', 'Reminder Requested', { ref: 'dies-after-saving' });
    expect((await harness.result('nightly-reminder', id, 'dies-after-saving')).outcome).toBe('completed');

    // Attempt 1 saved "deferred" and died; attempt 2 (the one recorded) read the saved decision.
    const [retried, release] = harness.deliverer.forCustomer(id);
    const [saved] = await database.db
      .select()
      .from(deliveries)
      .where(eq(deliveries.dedupKey, retried!.request.dedupKey));
    expect(saved).toMatchObject({ status: 'deferred', deferredUntil: expect.any(Date) });
    expect(retried?.outcome).toMatchObject({
      status: 'deferred',
      until: saved!.deferredUntil!.toISOString(),
    });
    expect(release?.outcome).toMatchObject({ status: 'sent', channel: 'email' });
    expect(release!.scheduledAt).toBeGreaterThanOrEqual(saved!.deferredUntil!.getTime());
    expect(release!.scheduledAt - saved!.deferredUntil!.getTime()).toBeLessThan(60_000);
    expect(mailTo(email)).toHaveLength(1);
  });

  it('skip: a send due at 23:00 is recorded as skipped and nothing is sent', async () => {
    const { email, id } = await customer('early-sleeper');
    await skipTo11pm();
    await harness.track('early-sleeper', 'Reminder Or Nothing', { ref: 'r3' });
    expect((await harness.result('reminder-or-nothing', id, 'r3')).outcome).toBe('completed');
    const rows = await database.db.select().from(deliveries).where(eq(deliveries.customerId, id));
    expect(rows).toEqual([
      expect.objectContaining({ status: 'skipped', reason: `quiet hours 21:00–09:00 ${zone}` }),
    ]);
    expect(mailTo(email)).toEqual([]);
  });
});
