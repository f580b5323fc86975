import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyRuns } from '../db/schema.js';
import abandonedCart from '../journeys/abandoned-cart.js';
import { ingestMessage } from '../customers/ingest-message.js';
import { createJourneyHarness, timeSkipping, type JourneyHarness } from './helpers/journey-harness.js';
import { createTimeSkippingEnvironment } from './helpers/temporal.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

const hour = 3_600_000;

/** The canonical journey end to end on the time-skipping server: API → router → workflow → activities. */
describe('abandoned cart', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let harness: JourneyHarness;
  const wallStart = Date.now();

  beforeAll(async () => {
    [env, database] = await Promise.all([createTimeSkippingEnvironment(), createTestDatabase()]);
    harness = await createJourneyHarness(timeSkipping(env), database);
    await harness.deploy([abandonedCart]);
  });
  afterAll(async () => {
    await harness?.close();
    await env?.teardown();
    await database?.drop();
    // The whole file, all scenarios, in well under 30 s of wall time.
    expect(Date.now() - wallStart).toBeLessThan(30_000);
  });

  const addToCart = (user: string, cart: string) =>
    harness.track(user, 'Product Added', {
      cart_id: cart,
      product_id: `sku-${cart}`,
      name: 'Lamp',
      price: 40,
    });
  const runRow = async (customerId: string, cart: string) =>
    database.db
      .select()
      .from(journeyRuns)
      .where(and(eq(journeyRuns.customerId, customerId), eq(journeyRuns.entryKey, cart)));

  it('runs every step on time when nothing is bought: 1 h push/email, 24 h email, 48 h SMS/email', async () => {
    const user = `never-buys-${randomUUID()}`;
    const start = await env.currentTimeMs();
    await addToCart(user, 'cart-a');
    const customerId = await harness.customerId(user);
    const result = await harness.result('abandoned-cart', customerId, 'cart-a');
    expect(result.outcome).toBe('completed');
    const sends = harness.deliverer.forCustomer(customerId);
    expect(sends.map((s) => [s.request.stepId, s.request.channels])).toEqual([
      ['reminder-1', ['push', 'email']],
      ['reminder-2', ['email']],
      ['incentive', ['sms', 'email']],
    ]);
    const offsets = sends.map((s) => (s.scheduledAt - start) / hour);
    expect(offsets[0]).toBeGreaterThanOrEqual(1);
    expect(offsets[0]).toBeLessThan(1.1);
    expect(offsets[1]).toBeGreaterThanOrEqual(24);
    expect(offsets[1]).toBeLessThan(24.1);
    expect(offsets[2]).toBeGreaterThanOrEqual(48);
    expect(offsets[2]).toBeLessThan(48.1);
    expect(sends[0]?.request).toMatchObject({
      intentKey: 'cart-reminder',
      dedupKey: expect.stringContaining('/reminder-1'),
    });
    const [row] = await runRow(customerId, 'cart-a');
    expect(row).toMatchObject({ status: 'completed', journeyId: 'abandoned-cart' });
  });

  it('order completed before the first reminder: no message, outcome converted', async () => {
    const user = `quick-buyer-${randomUUID()}`;
    await addToCart(user, 'cart-b');
    await env.sleep('30m');
    await harness.track(user, 'Order Completed', { cart_id: 'cart-b', order_id: 'o-b', total: 40 });
    const customerId = await harness.customerId(user);
    const result = await harness.result('abandoned-cart', customerId, 'cart-b');
    expect(result.outcome).toBe('converted');
    expect(harness.deliverer.forCustomer(customerId)).toEqual([]);
    const [row] = await runRow(customerId, 'cart-b');
    expect(row).toMatchObject({ status: 'converted', reason: 'goal: Order Completed' });
  });

  it('order after the first reminder: no second one', async () => {
    const user = `late-buyer-${randomUUID()}`;
    await addToCart(user, 'cart-c');
    await env.sleep('2h');
    const customerId = await harness.customerId(user);
    expect(harness.deliverer.forCustomer(customerId).map((s) => s.request.stepId)).toEqual(['reminder-1']);
    await harness.track(user, 'Order Completed', { cart_id: 'cart-c', order_id: 'o-c', total: 40 });
    const result = await harness.result('abandoned-cart', customerId, 'cart-c');
    expect(result.outcome).toBe('converted');
    expect(harness.deliverer.forCustomer(customerId).map((s) => s.request.stepId)).toEqual(['reminder-1']);
  });

  it('an order for another cart does not end this cart’s run', async () => {
    const user = `two-carts-${randomUUID()}`;
    await addToCart(user, 'cart-d');
    await harness.track(user, 'Order Completed', { cart_id: 'some-other-cart', order_id: 'o-x' });
    await env.sleep('2h');
    const customerId = await harness.customerId(user);
    expect(harness.deliverer.forCustomer(customerId).map((s) => s.request.stepId)).toEqual(['reminder-1']);
    await harness.track(user, 'Order Completed', { cart_id: 'cart-d', order_id: 'o-d' });
    expect((await harness.result('abandoned-cart', customerId, 'cart-d')).outcome).toBe('converted');
  });

  it('trigger and completion sent back to back: the run sees the completion', async () => {
    const user = `back-to-back-${randomUUID()}`;
    await Promise.all([
      addToCart(user, 'cart-e'),
      // Sent concurrently with the trigger, as two SDK calls from two devices would be.
      new Promise((resolve) => setTimeout(resolve, 5)).then(() =>
        harness.track(user, 'Order Completed', { cart_id: 'cart-e', order_id: 'o-e' }),
      ),
    ]);
    const customerId = await harness.customerId(user);
    const result = await harness.result('abandoned-cart', customerId, 'cart-e');
    expect(result.outcome).toBe('converted');
    expect(harness.deliverer.forCustomer(customerId)).toEqual([]);
  });

  it('an order routed just before its add-to-cart, not yet marked routed by ingest: the new run still sees it', async () => {
    const user = `routed-gap-${randomUUID()}`;
    const now = new Date(await env.currentTimeMs());
    // The completion is stored and routed (no run yet), and ingest has not written its routed mark:
    // the moment an add-to-cart from another device may be routed in.
    const completion = await ingestMessage(
      database.db,
      {
        type: 'track',
        userId: user,
        event: 'Order Completed',
        properties: { cart_id: 'cart-g', order_id: 'o-g' },
        timestamp: new Date(now.getTime() + 1_000),
        messageId: randomUUID(),
      },
      { receivedAt: now },
    );
    if (completion.outcome !== 'stored') throw new Error('not stored');
    await harness.router.route(completion.event, completion.customer);
    await harness.track(user, 'Product Added', { cart_id: 'cart-g', product_id: 'sku-g', price: 5 }, now);
    const result = await harness.result('abandoned-cart', completion.customer.id, 'cart-g');
    expect(result).toMatchObject({ outcome: 'converted', reason: 'goal: Order Completed' });
    expect(harness.deliverer.forCustomer(completion.customer.id)).toEqual([]);
  });

  it('the order arrives before its add-to-cart (out of order): the run ends at once, nothing sent', async () => {
    const user = `out-of-order-${randomUUID()}`;
    const now = new Date(await env.currentTimeMs());
    // The completion happened a second after the add-to-cart, but reaches the engine first.
    await harness.track(
      user,
      'Order Completed',
      { cart_id: 'cart-o', order_id: 'o-o' },
      new Date(now.getTime() + 1_000),
    );
    await harness.track(user, 'Product Added', { cart_id: 'cart-o', product_id: 'sku-o', price: 5 }, now);
    const customerId = await harness.customerId(user);
    const result = await harness.result('abandoned-cart', customerId, 'cart-o');
    expect(result).toMatchObject({ outcome: 'converted', reason: 'goal: Order Completed' });
    expect(harness.deliverer.forCustomer(customerId)).toEqual([]);
  });

  it('the same trigger twice for a cart: one run; another cart: a second run; the cooldown holds', async () => {
    const user = `repeat-${randomUUID()}`;
    await addToCart(user, 'cart-f');
    await addToCart(user, 'cart-f');
    await addToCart(user, 'cart-g');
    const customerId = await harness.customerId(user);
    const runs = await database.db.select().from(journeyRuns).where(eq(journeyRuns.customerId, customerId));
    expect(runs.map((r) => r.entryKey).sort()).toEqual(['cart-f', 'cart-g']);

    await harness.track(user, 'Order Completed', { cart_id: 'cart-f' });
    expect((await harness.result('abandoned-cart', customerId, 'cart-f')).outcome).toBe('converted');
    await addToCart(user, 'cart-f'); // within the 7-day cooldown: no new run
    expect(await runRow(customerId, 'cart-f')).toHaveLength(1);

    await harness.track(user, 'Order Completed', { cart_id: 'cart-g' });
    await harness.result('abandoned-cart', customerId, 'cart-g');
    await env.sleep('8d');
    await addToCart(user, 'cart-f'); // after the cooldown: a new run
    const rows = await runRow(customerId, 'cart-f');
    expect(rows).toHaveLength(2);
    expect(rows.filter((r) => r.status === 'running')).toHaveLength(1);
    await harness.track(user, 'Order Completed', { cart_id: 'cart-f' });
  });
});
