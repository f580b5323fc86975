import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { customers, deliveries, events, identities } from '../db/schema.js';
import type { CustomerView } from '../customers/customer-view.js';
import type { TimelinePage } from '../customers/timeline.js';
import { adminGet, postJson, useApiWithDatabase, type TestApi } from './helpers/api.js';
import type { TestDatabase } from './helpers/test-database.js';

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

describe('identity resolution and the unified profile', () => {
  const context = useApiWithDatabase();
  let database: TestDatabase;
  let api: TestApi;
  beforeAll(() => void ({ database, api } = context));

  const send = async (path: string, body: Record<string, unknown>) => {
    const response = await postJson(api, path, { messageId: randomUUID(), ...body });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toEqual({ success: true, stored: 1, duplicates: 0 });
  };
  const view = async (identity: string) => {
    const response = await adminGet(api, `/admin/customers/${encodeURIComponent(identity)}`);
    expect(response.status).toBe(200);
    return (await response.json()) as { customer: CustomerView; timeline: TimelinePage };
  };

  it('phone and laptop, anonymous, then identified: one customer, all events, one cart with both items', async () => {
    const phone = `anon-phone-${randomUUID()}`;
    const laptop = `anon-laptop-${randomUUID()}`;
    await send('/v1/page', { anonymousId: phone, name: 'Product', timestamp: minutesAgo(30) });
    await send('/v1/track', {
      anonymousId: phone,
      event: 'Product Added',
      properties: { product_id: 'book-1', name: 'Dune', price: 9.9, cart_id: 'cart-42' },
      timestamp: minutesAgo(29),
    });
    await send('/v1/page', { anonymousId: laptop, name: 'Product', timestamp: minutesAgo(20) });
    await send('/v1/track', {
      anonymousId: laptop,
      event: 'Product Added',
      properties: { product_id: 'book-2', name: 'Emma', price: 7.5, quantity: 2 },
      timestamp: minutesAgo(19),
    });
    const before = await database.db.selectDistinct({ id: events.customerId }).from(events);
    expect(before).toHaveLength(2);

    await send('/v1/identify', {
      anonymousId: phone,
      userId: 'reader-1',
      traits: { email: 'reader@example.com', name: 'Rea' },
    });
    await send('/v1/identify', {
      anonymousId: laptop,
      userId: 'reader-1',
      traits: { email: 'READER@example.com' },
    });

    const { customer, timeline } = await view('userId:reader-1');
    expect(customer.mergedFrom).toHaveLength(1);
    expect(customer.identities.map((i) => `${i.kind}:${i.value}`).sort()).toEqual(
      [
        `anonymous_id:${laptop}`,
        `anonymous_id:${phone}`,
        'email:reader@example.com',
        'user_id:reader-1',
      ].sort(),
    );
    expect(customer.cart?.items.map((i) => [i.productId, i.quantity])).toEqual([
      ['book-1', 1],
      ['book-2', 2],
    ]);
    expect(customer.cart?.cartId).toBe('cart-42');
    expect(customer.traits).toMatchObject({ name: 'Rea', email: 'READER@example.com' });
    const stored = await database.db.select().from(events);
    expect(stored).toHaveLength(6);
    expect(new Set(stored.map((e) => e.customerId))).toEqual(new Set([customer.id]));
    expect(timeline.items.filter((i) => i.kind === 'event')).toHaveLength(6);
    // Looking up by either device finds the same person.
    expect((await view(`anonymousId:${laptop}`)).customer.id).toBe(customer.id);
    expect((await view('email:Reader@Example.com')).customer.id).toBe(customer.id);
  });

  it('alias of two known customers: one customer, and deliveries made before count for it', async () => {
    await send('/v1/identify', { userId: 'old-account', traits: { email: 'old@example.com' } });
    await send('/v1/identify', { userId: 'new-account', traits: { phone: '+33 6 12 34 56 78' } });
    const [oldRow] = await database.db.select().from(identities).where(eq(identities.value, 'old-account'));
    await database.db.insert(deliveries).values({
      dedupKey: `test/${randomUUID()}`,
      customerId: oldRow!.customerId,
      channel: 'email',
      category: 'marketing',
      status: 'sent',
      intentKey: 'welcome-offer',
      createdAt: new Date(Date.now() - 5 * 60_000),
    });

    await send('/v1/alias', { previousId: 'old-account', userId: 'new-account' });

    const { customer, timeline } = await view('userId:new-account');
    expect(customer.identities.map((i) => i.value).sort()).toEqual([
      '+33612345678',
      'new-account',
      'old-account',
      'old@example.com',
    ]);
    const owners = await database.db.select({ customerId: deliveries.customerId }).from(deliveries);
    expect(owners).toEqual([{ customerId: customer.id }]);
    expect((await view('userId:old-account')).customer.id).toBe(customer.id);
    const [merged] = await database.db.select().from(customers).where(eq(customers.id, oldRow!.customerId));
    expect(merged?.mergedIntoId ?? merged?.id).toBe(customer.id);

    // The merged customer's timeline: events and the earlier delivery, newest first.
    const kinds = timeline.items.map((item) => item.kind);
    expect(kinds).toContain('delivery');
    const times = timeline.items.map((item) => Date.parse(item.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(timeline.items[0]?.detail).toMatchObject({ type: 'alias' });
  });

  it('two different userIds sharing a device are never merged by a plain event', async () => {
    const device = `shared-${randomUUID()}`;
    await send('/v1/identify', { anonymousId: device, userId: 'alice' });
    await send('/v1/identify', { anonymousId: device, userId: 'bob' });
    const alice = await view('userId:alice');
    const bob = await view('userId:bob');
    expect(alice.customer.id).not.toBe(bob.customer.id);
    expect(alice.customer.identities.map((i) => i.value)).toContain(device);
    expect(bob.customer.identities.map((i) => i.value)).not.toContain(device);
  });

  it('concurrent first events of one person create one customer, not several', async () => {
    const userId = `racer-${randomUUID()}`;
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        postJson(api, '/v1/identify', {
          messageId: randomUUID(),
          userId,
          anonymousId: `racer-device-${i}-${userId}`,
          traits: { n: i },
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    const { customer } = await view(`userId:${userId}`);
    expect(customer.identities).toHaveLength(21);
    const owners = await database.db
      .selectDistinct({ id: events.customerId })
      .from(events)
      .where(eq(events.userId, userId));
    expect(owners).toEqual([{ id: customer.id }]);
  });

  it('paginates the timeline newest first without gaps or repeats', async () => {
    const user = `pager-${randomUUID()}`;
    for (let i = 0; i < 7; i++)
      await send('/v1/track', { userId: user, event: `Step ${i}`, timestamp: minutesAgo(10 - i) });
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const response = await adminGet(
        api,
        `/admin/customers/userId:${user}/timeline?limit=3${cursor ? `&before=${cursor}` : ''}`,
      );
      const body = (await response.json()) as TimelinePage;
      seen.push(...body.items.map((item) => String(item.detail.name)));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(['Step 6', 'Step 5', 'Step 4', 'Step 3', 'Step 2', 'Step 1', 'Step 0']);
  });

  it('the same messageId three times: one event, one hand-off to the router', async () => {
    const messageId = randomUUID();
    const before = api.router.calls.length;
    for (let i = 0; i < 3; i++) {
      const response = await postJson(api, '/v1/track', {
        messageId,
        userId: 'dup-user',
        event: 'Checkout Started',
      });
      expect(await response.json()).toEqual({
        success: true,
        stored: i === 0 ? 1 : 0,
        duplicates: i === 0 ? 0 : 1,
      });
    }
    expect(await database.db.select().from(events).where(eq(events.messageId, messageId))).toHaveLength(1);
    expect(api.router.calls.slice(before).filter((c) => c.event.messageId === messageId)).toHaveLength(1);
  });

  it('an event stored while the router is down is routed on the retry, once', async () => {
    const messageId = randomUUID();
    api.router.failNext = 1;
    const first = await postJson(api, '/v1/track', {
      messageId,
      userId: 'retry-user',
      event: 'Product Viewed',
    });
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('5');
    const second = await postJson(api, '/v1/track', {
      messageId,
      userId: 'retry-user',
      event: 'Product Viewed',
    });
    expect(second.status).toBe(200);
    const third = await postJson(api, '/v1/track', {
      messageId,
      userId: 'retry-user',
      event: 'Product Viewed',
    });
    expect(third.status).toBe(200);
    expect(api.router.calls.filter((c) => c.event.messageId === messageId)).toHaveLength(1);
    expect(await database.db.select().from(events).where(eq(events.messageId, messageId))).toHaveLength(1);
  });
});
