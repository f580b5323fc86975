import { Analytics } from '@segment/analytics-node';
import Rudder from '@rudderstack/rudder-sdk-node';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { events, identities } from '../db/schema.js';
import { useApiWithDatabase, type TestApi } from './helpers/api.js';
import type { TestDatabase } from './helpers/test-database.js';

async function customerOf(database: TestDatabase, kind: 'user_id' | 'anonymous_id', value: string) {
  const [row] = await database.db.select().from(identities).where(eq(identities.value, value));
  expect(row?.kind).toBe(kind);
  return row!.customerId;
}

/** The real Segment and RudderStack server-side libraries, unmodified, pointed at our ingest. */
describe('ingest with real Segment-format clients', () => {
  const context = useApiWithDatabase();
  let database: TestDatabase;
  let api: TestApi;
  beforeAll(() => void ({ database, api } = context));

  it('@segment/analytics-node: every call stored once, on the right customer', async () => {
    const analytics = new Analytics({
      writeKey: api.writeKey,
      host: api.url,
      flushAt: 3,
      flushInterval: 200,
      maxRetries: 2,
    });
    analytics.identify({ userId: 'seg-user-1', traits: { email: 'Ann@Example.com', name: 'Ann' } });
    analytics.track({
      userId: 'seg-user-1',
      event: 'Product Added',
      properties: { product_id: 'p1', price: 12.5, name: 'Mug' },
    });
    analytics.page({ anonymousId: 'seg-anon-9', name: 'Home' });
    analytics.screen({ userId: 'seg-user-1', name: 'Cart' });
    analytics.group({ userId: 'seg-user-1', groupId: 'acme' });
    analytics.track({ anonymousId: 'seg-anon-9', event: 'Signed Up' });
    await analytics.closeAndFlush({ timeout: 10_000 });

    const stored = await database.db.select().from(events);
    const seg = stored.filter((e) => e.userId === 'seg-user-1' || e.anonymousId === 'seg-anon-9');
    expect(seg.map((e) => e.type).sort()).toEqual(['group', 'identify', 'page', 'screen', 'track', 'track']);
    expect(new Set(seg.map((e) => e.messageId)).size).toBe(6);
    const user = await customerOf(database, 'user_id', 'seg-user-1');
    const anon = await customerOf(database, 'anonymous_id', 'seg-anon-9');
    expect(user).not.toBe(anon);
    for (const e of seg) expect(e.customerId).toBe(e.userId === 'seg-user-1' ? user : anon);
    const [email] = await database.db.select().from(identities).where(eq(identities.kind, 'email'));
    expect(email).toMatchObject({ value: 'ann@example.com', customerId: user });
    expect(api.router.calls.filter((c) => c.customer.id === user)).toHaveLength(4);
  });

  it('@segment/analytics-node: a batch with one invalid call stores the five valid ones, once, with no retry', async () => {
    const analytics = new Analytics({
      writeKey: api.writeKey,
      host: api.url,
      flushAt: 6,
      flushInterval: 10_000,
      maxRetries: 3,
    });
    const requests: unknown[] = [];
    analytics.on('http_request', (request) => requests.push(request));
    const errors: unknown[] = [];
    analytics.on('error', (error) => errors.push(error));
    const userId = 'seg-mixed-1';
    for (let i = 0; i < 5; i++) analytics.track({ userId, event: `Valid ${i}` });
    // Longer than the 256 characters an event name may have.
    analytics.track({ userId, event: 'x'.repeat(300) });
    await analytics.closeAndFlush({ timeout: 10_000 });

    const stored = await database.db.select().from(events).where(eq(events.userId, userId));
    expect(stored.map((e) => e.name).sort()).toEqual(['Valid 0', 'Valid 1', 'Valid 2', 'Valid 3', 'Valid 4']);
    // One request, answered 200 (the refused call is in the reply, not an error to retry).
    expect(requests).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('@rudderstack/rudder-sdk-node (gzip on): every call stored once, on the right customer', async () => {
    const rudder = new Rudder(api.writeKey, {
      dataPlaneUrl: api.url,
      flushAt: 2,
      flushInterval: 200,
      gzip: true,
    });
    const flushed = (fn: (cb: (error?: unknown) => void) => void) =>
      new Promise<void>((resolve, reject) => fn((error) => (error ? reject(error) : resolve())));
    rudder.identify({ userId: 'rs-user-1', traits: { phone: '+1 415 555 2671' } });
    rudder.track({
      userId: 'rs-user-1',
      event: 'Order Completed',
      properties: { order_id: 'o1', total: 30 },
    });
    rudder.page({ anonymousId: 'rs-anon-1', name: 'Landing' });
    await flushed((cb) => rudder.flush(cb));

    // The client flushes in the background in batches of two; wait (bounded) for all three.
    let rs: (typeof events.$inferSelect)[] = [];
    for (let attempt = 0; attempt < 100 && rs.length < 3; attempt++) {
      const stored = await database.db.select().from(events);
      rs = stored.filter((e) => e.userId === 'rs-user-1' || e.anonymousId === 'rs-anon-1');
      if (rs.length < 3) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(rs.map((e) => e.type).sort()).toEqual(['identify', 'page', 'track']);
    const user = await customerOf(database, 'user_id', 'rs-user-1');
    expect(rs.filter((e) => e.userId === 'rs-user-1').every((e) => e.customerId === user)).toBe(true);
    const [phone] = await database.db.select().from(identities).where(eq(identities.kind, 'phone'));
    expect(phone).toMatchObject({ value: '+14155552671', customerId: user });
  });
});
