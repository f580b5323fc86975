import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consents, customers, deliveries, events, identities, journeyRuns } from '../../db/schema.js';
import { zoneWhereItIs } from '../../domain/local-time.js';
import abandonedCart from '../../journeys/abandoned-cart.js';
import welcomeSeries from '../../journeys/welcome-series.js';
import { activityServerClock, emailPipeline } from '../helpers/email-pipeline.js';
import { createJourneyHarness, timeSkipping, type JourneyHarness } from '../helpers/journey-harness.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';
import { createTimeSkippingEnvironment } from '../helpers/temporal.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { reportFigures, shuffled, sized } from './chaos-figures.js';
import { inLanes } from './chaos-rig.js';

interface ScenarioEvent {
  kind: 'identify' | 'track';
  body: Record<string, unknown>;
}

/**
 * A day of a small shop: sign-ups, carts filled on two devices, a product removed, half of the
 * carts bought. Every event has its own messageId and time, as a Segment client would send it.
 */
/** The story spans 30 minutes; it is told once it has happened (events are never dated ahead of receipt). */
const dayLength = 31 * 60_000;

function shopDay(users: number, start: number, zone: string): ScenarioEvent[] {
  const minute = 60_000;
  const at = (m: number) => new Date(start + m * minute).toISOString();
  return Array.from({ length: users }, (_, i) => {
    const userId = `dup-${i}`;
    const cart = `cart-${i}`;
    const product = (id: string, price: number) => ({
      cart_id: cart,
      product_id: id,
      name: `Item ${id}`,
      price,
      quantity: 1,
    });
    const list: ScenarioEvent[] = [
      {
        kind: 'identify',
        body: {
          userId,
          messageId: `${userId}-id`,
          timestamp: at(0),
          context: { timezone: zone },
          traits: { email: `${userId}@dup.test`, name: `Dup ${i}`, plan: i % 3 === 0 ? 'gold' : 'basic' },
        },
      },
      {
        kind: 'track',
        // As Segment's clients do after an identify, a track carries the user's traits in its context.
        body: {
          userId,
          messageId: `${userId}-signup`,
          timestamp: at(1),
          event: 'Signed Up',
          context: { timezone: zone, traits: { email: `${userId}@dup.test` } },
        },
      },
      {
        kind: 'track',
        body: {
          userId,
          messageId: `${userId}-a`,
          timestamp: at(2),
          event: 'Product Added',
          properties: product('lamp', 40),
        },
      },
      {
        kind: 'track',
        body: {
          userId,
          messageId: `${userId}-b`,
          timestamp: at(3),
          event: 'Product Added',
          properties: product('mug', 12),
        },
      },
      {
        kind: 'track',
        body: {
          userId,
          messageId: `${userId}-r`,
          timestamp: at(4),
          event: 'Product Removed',
          properties: product('lamp', 40),
        },
      },
      {
        kind: 'identify',
        body: { userId, messageId: `${userId}-id2`, timestamp: at(5), traits: { plan: 'platinum' } },
      },
    ];
    if (i % 2 === 0)
      list.push({
        kind: 'track',
        body: {
          userId,
          messageId: `${userId}-order`,
          timestamp: at(30),
          event: 'Order Completed',
          properties: { cart_id: cart, order_id: `o-${i}`, total: 12, products: [product('mug', 12)] },
        },
      });
    // Every client sends its zone with each call.
    return list.map((event) => ({ ...event, body: { context: { timezone: zone }, ...event.body } }));
  }).flat();
}

describe('duplicate and out-of-order events', () => {
  const users = sized(6, 40);
  const copies = 3;
  let env: TestWorkflowEnvironment;
  let smtp: SmtpPeer;
  const worlds: { database: TestDatabase; harness: JourneyHarness }[] = [];

  beforeAll(async () => {
    [env, smtp] = await Promise.all([createTimeSkippingEnvironment(), startSmtpPeer()]);
    for (let i = 0; i < 2; i++) {
      const database = await createTestDatabase();
      const harness = await createJourneyHarness(timeSkipping(env), database, {
        deliverer: emailPipeline(database.db, smtp.url, { now: activityServerClock }),
      });
      await harness.deploy([abandonedCart, welcomeSeries]);
      worlds.push({ database, harness });
    }
  });
  afterAll(async () => {
    for (const { harness, database } of worlds) {
      await harness.close();
      await database.drop();
    }
    await env?.teardown();
    await smtp?.close();
  });

  const post = async (harness: JourneyHarness, event: ScenarioEvent) => {
    const response = await fetch(`${harness.api.url}/v1/${event.kind}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${harness.writeKey}:`).toString('base64')}`,
      },
      body: JSON.stringify({ ...event.body, messageId: `${String(event.body.messageId)}` }),
    });
    expect(response.status, await response.text()).toBe(200);
  };

  /** Everything a customer's story is made of, with ids that differ between worlds left out. */
  const endState = async ({ database }: { database: TestDatabase }) => {
    const db = database.db;
    const ids = await db.select().from(identities).where(eq(identities.kind, 'user_id'));
    const story: Record<string, unknown> = {};
    for (const { value: userId, customerId } of ids.sort((a, b) => a.value.localeCompare(b.value))) {
      const [profile] = await db.select().from(customers).where(eq(customers.id, customerId));
      const runs = await db.select().from(journeyRuns).where(eq(journeyRuns.customerId, customerId));
      const sends = await db.select().from(deliveries).where(eq(deliveries.customerId, customerId));
      story[userId] = {
        traits: profile?.traits,
        cart: (profile?.cart as { items?: { productId: string; quantity: number }[] } | null)?.items?.map(
          (item) => `${item.productId}×${item.quantity}`,
        ),
        orderCount: profile?.orderCount,
        lifetimeValue: profile?.lifetimeValue,
        lastOrder: (profile?.lastOrder as { orderId?: string } | null)?.orderId ?? null,
        identities: (await db.select().from(identities).where(eq(identities.customerId, customerId)))
          .map((i) => `${i.kind}:${i.value}`)
          .sort(),
        consents: (await db.select().from(consents).where(eq(consents.customerId, customerId)))
          .map((c) => `${c.channel}:${c.status}`)
          .sort(),
        events: (
          await db
            .select({ messageId: events.messageId })
            .from(events)
            .where(inArray(events.customerId, [customerId]))
        )
          .map((e) => e.messageId)
          .sort(),
        runs: runs.map((run) => `${run.journeyId}/${run.entryKey}: ${run.status}`).sort(),
        sends: sends
          .map((send) => `${send.journeyId}/${send.stepId}: ${send.status} ${send.channel ?? ''}`)
          .sort(),
      };
    }
    return story;
  };

  it(`every event ${copies} times, shuffled, concurrently: the same end state as each event once in order`, async () => {
    const zone = zoneWhereItIs(13, new Date(await env.currentTimeMs()));
    const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const [once, chaos] = worlds as [(typeof worlds)[0], (typeof worlds)[0]];

    const inOrder = shopDay(users, (await env.currentTimeMs()) - dayLength, zone);
    for (const event of inOrder) await post(once.harness, event);
    await env.sleep('6d');

    const scenario = shopDay(users, (await env.currentTimeMs()) - dayLength, zone);
    const deliveries = shuffled(
      scenario.flatMap((event) => Array<ScenarioEvent>(copies).fill(event)),
      seed,
    );
    await inLanes(deliveries.length, 6, (i) => post(chaos.harness, deliveries[i]!));
    await env.sleep('6d');

    const [expected, actual] = [await endState(once), await endState(chaos)];
    const differing = Object.keys(expected).filter(
      (user) => JSON.stringify(expected[user]) !== JSON.stringify(actual[user]),
    );
    await reportFigures('duplicates', {
      customers: users,
      events: scenario.length,
      'deliveries (×3, shuffled)': deliveries.length,
      seed,
      'customers whose end state differs': differing.length,
    });
    expect(Object.keys(actual)).toEqual(Object.keys(expected));
    for (const user of differing)
      expect({ user, seed, state: actual[user] }).toEqual({ user, seed, state: expected[user] });
    // The runs all ended in both worlds (so the comparison is of final states), and mail went out.
    expect(JSON.stringify(expected)).not.toContain(': running');
    expect(JSON.stringify(expected)).toContain('abandoned-cart/reminder-1: sent email');
  }, 300_000);
});
