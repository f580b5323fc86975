import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveries } from '../db/schema.js';
import type { Deliverer } from '../delivery/delivery-request.js';
import { journeyWorkflowId } from '../domain/journey-runtime.js';
import { nextLocalTime } from '../domain/local-time.js';
import { defineJourney } from '../journeys/define-journey.js';
import { activityServerClock, emailPipeline } from './helpers/email-pipeline.js';
import { createJourneyHarness, timeSkipping, type JourneyHarness } from './helpers/journey-harness.js';
import type { SmtpPeer } from './helpers/smtp-peer.js';
import { startEmailJourneyServers, type EmailJourneyServers } from './helpers/email-journey-servers.js';
import type { TestDatabase } from './helpers/test-database.js';

const sameCart = {
  path: 'event.properties.cart_id',
  op: 'eq',
  value: { ref: 'trigger.properties.cart_id' },
} as const;

/** Three sends back to back: as local activities they all run inside one workflow task. */
const threeReminders = defineJourney({
  id: 'three-reminders',
  name: 'Three reminders at once',
  trigger: { event: 'Product Added', entryKey: 'trigger.properties.cart_id' },
  goal: { event: 'Order Completed', where: sameCart, within: '7d' },
  exit: [{ event: 'Cart Emptied', where: sameCart }],
  steps: ['first', 'second', 'third'].map((id) => ({
    id,
    type: 'send' as const,
    template: 'cart-reminder',
    channels: ['email' as const],
    intentKey: `three-reminders-${id}`,
  })),
});

/**
 * Exit stays immediate with sends inside the workflow task (issue 18): an order stored while the
 * first send runs stops the second, though the run's signal for it cannot arrive in between (the
 * sends share one workflow task). The reservation sees the stored event; the ledger says why.
 */
describe('immediate exit with back-to-back local-activity sends', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let smtp: SmtpPeer;
  let servers: EmailJourneyServers | undefined;
  let harness: JourneyHarness;

  beforeAll(async () => {
    servers = await startEmailJourneyServers();
    ({ env, database, smtp } = servers);
    const pipeline = emailPipeline(database.db, smtp.url, { now: activityServerClock });
    // The customer orders (or empties the cart) while the first message goes out: the event is
    // stored through the API, and routed to the run as a signal, before the first send returns.
    const buysDuringFirstSend: Deliverer = {
      async deliver(request, context) {
        const outcome = await pipeline.deliver(request, context);
        const {
          cart_id: cart,
          then,
          then_cart: thenCart,
        } = request.trigger.properties as Record<string, string>;
        if (request.stepId === 'first') await harness.track(`shopper-${cart}`, then!, { cart_id: thenCart });
        return outcome;
      },
    };
    harness = await createJourneyHarness(timeSkipping(env), database, { deliverer: buysDuringFirstSend });
    await harness.deploy([threeReminders]);
    // Noon UTC: no quiet hours in the way.
    const now = new Date(await env.currentTimeMs());
    await env.sleep(nextLocalTime(now, '12:00', 'UTC').getTime() - now.getTime());
  });
  afterAll(async () => {
    await harness?.close();
    await servers?.close();
  });

  const runFor = async (cart: string, then: string, thenCart = cart) => {
    const userId = `shopper-${cart}`;
    const email = `${userId}@example.test`;
    await harness.identify(userId, { email, first_name: 'Sam' });
    await harness.track(userId, 'Product Added', { cart_id: cart, then, then_cart: thenCart });
    const id = await harness.customerId(userId);
    const result = await harness.result('three-reminders', id, cart);
    const ledger = await database.db
      .select()
      .from(deliveries)
      .where(eq(deliveries.customerId, id))
      .orderBy(asc(deliveries.id));
    const history = await env.client.workflow
      .getHandle(journeyWorkflowId('three-reminders', id, cart))
      .fetchHistory();
    const mails = smtp.messages.filter((m) => JSON.stringify(m.to).includes(email));
    return { result, ledger, history, mails };
  };

  it('an order stored between the first and second send stops the second: the ledger says why', async () => {
    const { result, ledger, history, mails } = await runFor('c-order', 'Order Completed');
    // The sends ran as local activities: no activity task was scheduled for them.
    expect(history.events?.filter((e) => e.activityTaskScheduledEventAttributes)).toEqual([]);
    expect(mails).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ stepId: 'first', status: 'sent' });
    expect(ledger[1]).toMatchObject({ stepId: 'second', status: 'skipped' });
    expect(ledger[1]?.reason).toMatch(/^customer converted: Order Completed at \d{4}-\d\d-\d\dT/);
    expect(ledger.filter((row) => row.status === 'sent')).toHaveLength(1);
    // The run ends converted once the signal is in (the workflow task that sent is then retried,
    // its sends answered from the ledger), or it records the second send as skipped: never sent.
    expect(result.outcome === 'converted' || result.steps.second?.outcome === 'skipped').toBe(true);
  });

  it('an exit event stored between the sends stops the second the same way', async () => {
    const { ledger, mails } = await runFor('c-emptied', 'Cart Emptied');
    expect(mails).toHaveLength(1);
    expect(ledger[1]).toMatchObject({ stepId: 'second', status: 'skipped' });
    expect(ledger[1]?.reason).toMatch(/^customer exited: Cart Emptied at /);
  });

  it("another cart's order stops nothing: all three go out", async () => {
    const { result, ledger, mails } = await runFor('c-other', 'Order Completed', 'another-cart');
    expect(result.outcome).toBe('completed');
    expect(ledger.map((row) => row.status)).toEqual(['sent', 'sent', 'sent']);
    expect(mails).toHaveLength(3);
  });
});
