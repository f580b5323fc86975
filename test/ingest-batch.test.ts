import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { customers, events } from '../db/schema.js';
import { startUnroutedSweep } from '../runs/unrouted-sweep.js';
import { postJson, useApiWithDatabase, type TestApi } from './helpers/api.js';
import type { TestDatabase } from './helpers/test-database.js';

/** SDK-sized batches from one person: stored together, and only what a journey listens to is routed. */
describe('POST /v1/batch, one person per batch', () => {
  const context = useApiWithDatabase();
  let api: TestApi;
  let database: TestDatabase;
  beforeAll(() => {
    ({ api, database } = context);
    // As the journey router says: only "Signed Up" concerns a journey (and any merge).
    api.router.interest = async () => (event, merged) => merged || event.name === 'Signed Up';
  });

  const batchOf = (userId: string, names: string[]) =>
    names.map((event, index) => ({
      type: 'track',
      userId,
      anonymousId: `anon-${userId}`,
      event,
      messageId: randomUUID(),
      properties: { index },
      // The 11th call happened last: a fold must keep its time as last seen.
      timestamp: new Date(Date.UTC(2026, 0, 1, 0, index === 10 ? 30 : index)).toISOString(),
      context: { locale: index === names.length - 1 ? 'de-DE' : 'en-US', timezone: 'Europe/Berlin' },
    }));
  const rowsOf = (userId: string) => database.db.select().from(events).where(eq(events.userId, userId));

  it('stores every call on one customer, routes only the events a journey listens to, in order', async () => {
    const userId = `batch-${randomUUID()}`;
    const names = Array.from({ length: 20 }, (_, i) => (i === 3 || i === 11 ? 'Signed Up' : 'Page Scrolled'));
    const batch = batchOf(userId, names);
    // A copy of a call inside the same batch is stored once.
    const response = await postJson(api, '/v1/batch', { batch: [...batch, batch[5]] });
    expect(await response.json()).toEqual({ success: true, stored: 20, duplicates: 1 });
    const rows = await rowsOf(userId);
    expect(rows).toHaveLength(20);
    expect(new Set(rows.map((row) => row.customerId)).size).toBe(1);
    expect(rows.every((row) => row.routedAt !== null)).toBe(true);
    const routed = api.router.calls.filter((call) => call.event.userId === userId);
    expect(routed.map((call) => call.event.properties.index)).toEqual([3, 11]);
    // The profile folds every call: the last one's locale, the latest time (not the last call's) as last seen.
    const [customer] = await database.db
      .select()
      .from(customers)
      .where(eq(customers.id, rows[0]?.customerId ?? ''));
    expect(customer).toMatchObject({ locale: 'de-DE', timeZone: 'Europe/Berlin' });
    expect(customer?.lastSeenAt?.toISOString()).toBe('2026-01-01T00:30:00.000Z');

    // The SDK's retry: every call a duplicate, nothing routed again.
    const retry = await postJson(api, '/v1/batch', { batch });
    expect(await retry.json()).toEqual({ success: true, stored: 0, duplicates: 20 });
    expect(api.router.calls.filter((call) => call.event.userId === userId)).toHaveLength(2);
  });

  it('the router fails after the batch is stored (a crash): 503, and the sweep routes what was left', async () => {
    const userId = `batch-crash-${randomUUID()}`;
    api.router.failNext = 1;
    const response = await postJson(api, '/v1/batch', {
      batch: batchOf(userId, ['Page Scrolled', 'Signed Up', 'Page Scrolled']),
    });
    expect(response.status).toBe(503);
    const unrouted = (await rowsOf(userId)).filter((row) => row.routedAt === null);
    expect(unrouted.map((row) => row.name)).toEqual(['Signed Up']);
    const sweep = startUnroutedSweep({
      db: database.db,
      router: api.router,
      logger: pino({ level: 'silent' }),
      intervalMs: 3_600_000,
    });
    await sweep.sweep();
    await sweep.stop();
    expect((await rowsOf(userId)).every((row) => row.routedAt !== null)).toBe(true);
    expect(api.router.calls.filter((call) => call.event.userId === userId).map((c) => c.event.name)).toEqual([
      'Signed Up',
    ]);
  });
});
