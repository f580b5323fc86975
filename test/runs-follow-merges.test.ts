import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeCustomers } from '../customers/merge-customers.js';
import { deliveries, journeyRuns } from '../db/schema.js';
import type { JourneyDefinition } from '../domain/journey-definition.js';
import { journeyWorkflowId } from '../domain/journey-runtime.js';
import { searchAttributes } from '../domain/search-attributes.js';
import abandonedCart from '../journeys/abandoned-cart.js';
import { journeyStats } from '../runs/journey-stats.js';
import { runStateQuery } from '../workflows/journey-run/signals.js';
import { activityServerClock, emailPipeline } from './helpers/email-pipeline.js';
import { createJourneyHarness, timeSkipping, type JourneyHarness } from './helpers/journey-harness.js';
import { startSmtpPeer, type SmtpPeer } from './helpers/smtp-peer.js';
import { createTimeSkippingEnvironment } from './helpers/temporal.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

/**
 * Issue 15, acceptance 4: two anonymous devices add to one cart, then both identify as one user.
 * Real API, real PostgreSQL, real Temporal (time-skipping), the real delivery pipeline and an
 * SMTP peer: one customer, one abandoned-cart run holding both items, one reminder per step.
 */

/** The abandoned cart with its intents switched off: the schema requires a key, a 0 s window never matches. */
const withoutIntents = {
  ...abandonedCart,
  id: 'abandoned-cart-no-intent',
  steps: abandonedCart.steps.map((step) => (step.type === 'send' ? { ...step, intentWindow: '0s' } : step)),
};
const steps = ['reminder-1', 'reminder-2', 'incentive'];
const unique = (prefix: string) => `${prefix}-${randomUUID()}`;

/** Polls until `read` gives what `test` wants (signals reach runs through their worker). */
async function eventually<T>(read: () => Promise<T>, test: (value: T) => boolean): Promise<T> {
  for (let tries = 0; ; tries++) {
    const value = await read();
    if (test(value) || tries >= 100) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface Shop {
  database: TestDatabase;
  harness: JourneyHarness;
  definition: JourneyDefinition;
}

describe('runs follow merges', () => {
  let env: TestWorkflowEnvironment;
  let smtp: SmtpPeer;
  const shops: Shop[] = [];

  beforeAll(async () => {
    [env, smtp] = await Promise.all([createTimeSkippingEnvironment(), startSmtpPeer()]);
    // One database per journey: both start on the same add-to-cart.
    for (const journey of [abandonedCart, withoutIntents]) {
      const database = await createTestDatabase();
      const pipeline = emailPipeline(database.db, smtp.url, { now: activityServerClock });
      const harness = await createJourneyHarness(timeSkipping(env), database, { deliverer: pipeline });
      const [deployed] = await harness.deploy([journey]);
      if (!deployed) throw new Error('not deployed');
      shops.push({ database, harness, definition: deployed.definition });
    }
  });
  afterAll(async () => {
    for (const { harness, database } of shops) {
      await harness.close();
      await database.drop();
    }
    await env?.teardown();
    await smtp?.close();
  });

  const post = async ({ harness }: Shop, type: 'track' | 'identify', body: Record<string, unknown>) => {
    const response = await fetch(`${harness.api.url}/v1/${type}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${harness.writeKey}:`).toString('base64')}`,
      },
      body: JSON.stringify({ messageId: randomUUID(), ...body }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
  };
  const addToCart = (shop: Shop, who: Record<string, string>, cart: string, name: string) =>
    post(shop, 'track', {
      ...who,
      event: 'Product Added',
      properties: { cart_id: cart, product_id: `sku-${name}`, name, price: 10 },
    });
  const runsOf = ({ database }: Shop, journeyId: string, entryKey: string) =>
    database.db
      .select()
      .from(journeyRuns)
      .where(and(eq(journeyRuns.journeyId, journeyId), eq(journeyRuns.entryKey, entryKey)));
  const describeRun = (run: { workflowId: string; runId: string }) =>
    env.client.workflow.getHandle(run.workflowId, run.runId).describe();

  it.each([
    { journey: abandonedCart.id, shop: 0, first: 'A' },
    { journey: withoutIntents.id, shop: 1, first: 'B' },
  ])(
    '$journey, device $first first: one customer, one run with both items, one reminder per step',
    async ({ journey, shop: index, first }) => {
      const shop = shops[index] as Shop;
      const [deviceA, deviceB, user, cart] = [unique('a'), unique('b'), unique('user'), unique('cart')];
      const email = `${user}@example.test`;
      const order = first === 'A' ? [deviceA, deviceB] : [deviceB, deviceA];
      for (const device of order)
        await addToCart(shop, { anonymousId: device }, cart, device === deviceA ? 'Lamp' : 'Vase');
      const before = await runsOf(shop, journey, cart);
      expect(before.map((r) => r.status)).toEqual(['running', 'running']);

      await post(shop, 'identify', { anonymousId: deviceA, userId: user, traits: { email } });
      await post(shop, 'identify', { anonymousId: deviceB, userId: user });
      const survivor = await shop.harness.customerId(user);
      const rows = await runsOf(shop, journey, cart);
      expect(new Set(rows.map((r) => r.customerId))).toEqual(new Set([survivor]));
      const [keeper, loser] = [...rows].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
      if (!keeper || !loser) throw new Error('two runs expected');
      expect(loser).toMatchObject({
        status: 'merged',
        mergedIntoRunId: keeper.runId,
        reason: `merged into run ${keeper.runId}`,
      });
      expect(keeper.status).toBe('running');
      const keeperHandle = env.client.workflow.getHandle(keeper.workflowId, keeper.runId);
      const customerOf = async (run: typeof keeper) =>
        (await describeRun(run)).typedSearchAttributes.get(searchAttributes.CustomerId);
      expect(
        await eventually(
          () => customerOf(keeper),
          (id) => id === survivor,
        ),
      ).toBe(survivor);
      expect(
        await eventually(
          () => customerOf(loser),
          (id) => id === survivor,
        ),
      ).toBe(survivor);
      const loserEnd = eventually(
        () => describeRun(loser),
        (d) => d.status.name === 'COMPLETED',
      );
      expect((await loserEnd).status.name).toBe('COMPLETED');
      expect(await env.client.workflow.getHandle(loser.workflowId, loser.runId).result()).toMatchObject({
        outcome: 'merged',
        steps: {},
      });
      const received = () => keeperHandle.query(runStateQuery).then((state) => state.eventsReceived);

      if (first === 'B') {
        // The keeper's workflow id names the merged customer: a new add-to-cart joins it, starts nothing.
        expect(keeper.workflowId).not.toBe(journeyWorkflowId(journey, survivor, cart));
        await addToCart(shop, { userId: user }, cart, 'Rug');
        expect(await runsOf(shop, journey, cart)).toHaveLength(2);
        expect(await eventually(received, (n) => n === 2)).toBe(2);
      } else {
        expect(await eventually(received, (n) => n === 1)).toBe(1);
      }

      expect(await keeperHandle.result()).toMatchObject({ outcome: 'completed' });
      const ledger = await shop.database.db
        .select()
        .from(deliveries)
        .where(eq(deliveries.customerId, survivor));
      const sent = ledger.filter((row) => row.status === 'sent');
      expect(sent.map((row) => [row.stepId, row.runId]).sort()).toEqual(
        steps.map((s) => [s, keeper.runId]).sort(),
      );
      const mails = smtp.messages.filter((m) => m.to && JSON.stringify(m.to).includes(email));
      expect(mails).toHaveLength(3);
      for (const mail of mails) {
        expect(mail.text).toContain('Lamp');
        expect(mail.text).toContain('Vase');
      }
      expect((await runsOf(shop, journey, cart)).map((r) => r.status).sort()).toEqual([
        'completed',
        'merged',
      ]);
      // The merged run is an outcome, not a second entry.
      const stats = await journeyStats(shop.database.db, shop.definition);
      expect(stats).toMatchObject({ entered: 1, outcomes: { completed: 1, merged: 1 } });
    },
  );

  it('a run of another cart moves to the survivor: its row, its search attribute, its events', async () => {
    const shop = shops[0] as Shop;
    const [deviceA, deviceB, user] = [unique('a'), unique('b'), unique('user')];
    const [cartA, cartB] = [unique('cart-a'), unique('cart-b')];
    await addToCart(shop, { anonymousId: deviceA }, cartA, 'Lamp');
    await addToCart(shop, { anonymousId: deviceB }, cartB, 'Vase');
    await post(shop, 'identify', {
      anonymousId: deviceA,
      userId: user,
      traits: { email: `${user}@example.test` },
    });
    await post(shop, 'identify', { anonymousId: deviceB, userId: user });
    const survivor = await shop.harness.customerId(user);
    const [moved] = await runsOf(shop, abandonedCart.id, cartB);
    if (!moved) throw new Error('no run for the other cart');
    expect(moved).toMatchObject({ status: 'running', customerId: survivor });
    expect(moved.workflowId).not.toBe(journeyWorkflowId(abandonedCart.id, survivor, cartB));
    const handle = env.client.workflow.getHandle(moved.workflowId, moved.runId);
    const customerOf = async () =>
      (await handle.describe()).typedSearchAttributes.get(searchAttributes.CustomerId);
    expect(await eventually(customerOf, (id) => id === survivor)).toBe(survivor);
    expect((await handle.query(runStateQuery)).customerId).toBe(survivor);
    // The survivor's order for that cart reaches the moved run.
    await post(shop, 'track', { userId: user, event: 'Order Completed', properties: { cart_id: cartB } });
    expect(await handle.result()).toMatchObject({ outcome: 'converted' });
    const [run] = await runsOf(shop, abandonedCart.id, cartB);
    expect(run).toMatchObject({ status: 'converted', customerId: survivor });
  });

  it('a merge the router never heard of is healed on the customer’s next event', async () => {
    const shop = shops[0] as Shop;
    const [deviceA, deviceB, cart] = [unique('a'), unique('b'), unique('cart')];
    await addToCart(shop, { anonymousId: deviceA }, cart, 'Lamp');
    await addToCart(shop, { anonymousId: deviceB }, cart, 'Vase');
    const [keeper, loser] = (await runsOf(shop, abandonedCart.id, cart)).sort(
      (x, y) => x.startedAt.getTime() - y.startedAt.getTime(),
    );
    if (!keeper?.customerId || !loser?.customerId) throw new Error('two runs expected');
    const survivor = keeper.customerId;
    // Merged in the database only (as if routing the merge had failed and its retry said nothing).
    await shop.database.db.transaction((tx) => mergeCustomers(tx, survivor, [loser.customerId as string]));
    await post(shop, 'track', {
      anonymousId: deviceB,
      event: 'Order Completed',
      properties: { cart_id: 'other' },
    });
    const rows = await runsOf(shop, abandonedCart.id, cart);
    expect(rows.find((r) => r.runId === loser.runId)).toMatchObject({
      status: 'merged',
      mergedIntoRunId: keeper.runId,
    });
    expect(rows.find((r) => r.runId === keeper.runId)).toMatchObject({
      status: 'running',
      customerId: survivor,
    });
    expect(await env.client.workflow.getHandle(loser.workflowId, loser.runId).result()).toMatchObject({
      outcome: 'merged',
    });
    await post(shop, 'track', { anonymousId: deviceA, event: 'Cart Emptied', properties: { cart_id: cart } });
    expect(await env.client.workflow.getHandle(keeper.workflowId, keeper.runId).result()).toMatchObject({
      outcome: 'exited',
    });
  });
});
