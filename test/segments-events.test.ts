import { pino } from 'pino';
import { and, asc, eq, isNull, like, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events, segmentMemberships } from '../db/schema.js';
import { createSegmentCatalog } from '../audiences/segment-catalog.js';
import { deploySegments } from '../audiences/segment-store.js';
import { validateSegment, type SegmentDefinition } from '../domain/segment-definition.js';
import { createAudienceRouter } from '../runs/audience-router.js';
import { startUnroutedSweep } from '../runs/unrouted-sweep.js';
import { postJson, startTestApi, type TestApi } from './helpers/api.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

/**
 * Segments kept as events are stored, through the real ingest API on real PostgreSQL. The journey
 * router is the recording stand-in (journeys have their own tests): it shows what journeys are
 * handed, and in which order. The clock is the test's, so 61 days pass in an instant.
 */
const hour = 3_600_000;
const day = 24 * hour;
const t0 = Date.UTC(2026, 2, 1);

const definition = (() => {
  const parsed = validateSegment({
    id: 'shoe-browsers',
    name: 'Shoe browsers who did not buy',
    conditions: [
      {
        event: 'Product Viewed',
        where: { path: 'event.properties.category', op: 'eq', value: 'shoes' },
        count: { gte: 3 },
        within: '7d',
      },
      { event: 'Order Completed', count: { eq: 0 }, within: '60d' },
    ],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.definition;
})() satisfies SegmentDefinition;

describe('segments kept as events are stored', () => {
  let database: TestDatabase;
  let api: TestApi;
  let now = new Date(t0);
  beforeAll(async () => {
    database = await createTestDatabase();
    await deploySegments(database.db, [definition]);
    api = await startTestApi(database.db, {
      clock: () => now,
      wrapRouter: (journeys) =>
        createAudienceRouter({
          db: database.db,
          journeys,
          logger: pino({ level: 'silent' }),
          catalog: createSegmentCatalog({ ttlMs: 0 }),
          now: () => now,
        }),
    });
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });

  /** One event at `at` (the clock stands a second later), through POST /v1/track. */
  const track = async (userId: string, event: string, at: number, properties: object = {}) => {
    now = new Date(at + 1_000);
    const started = performance.now();
    const response = await postJson(api, '/v1/track', {
      userId,
      event,
      properties,
      timestamp: new Date(at).toISOString(),
    });
    expect(response.status).toBe(200);
    return performance.now() - started;
  };
  const membership = async () => (await database.db.select().from(segmentMemberships))[0];
  const membershipEvents = () =>
    database.db
      .select({
        name: events.name,
        properties: events.properties,
        occurredAt: events.occurredAt,
        messageId: events.messageId,
      })
      .from(events)
      .orderBy(asc(events.id))
      .then((rows) => rows.filter((row) => row.name?.startsWith('Segment ')));

  it('enters on the third matching view, at its time, and journeys see the entry in the same request', async () => {
    await track('ann', 'Product Viewed', t0, { category: 'shoes' });
    await track('ann', 'Product Viewed', t0 + hour, { category: 'hats' });
    await track('ann', 'Product Viewed', t0 + 2 * hour, { category: 'shoes' });
    expect(await membership()).toMatchObject({ member: false, entries: 0, nextCheckAt: null });
    const took = await track('ann', 'Product Viewed', t0 + 3 * hour, { category: 'shoes' });
    expect(took).toBeLessThan(1_000);
    const row = await membership();
    expect(row).toMatchObject({
      member: true,
      entries: 1,
      enteredAt: new Date(t0 + 3 * hour),
      leftAt: null,
      // The first counted view leaves the 7-day window then.
      nextCheckAt: new Date(t0 + 7 * day),
    });
    const [entered] = await membershipEvents();
    expect(entered).toMatchObject({
      name: 'Segment Entered',
      occurredAt: new Date(t0 + 3 * hour),
      messageId: `segment:shoe-browsers:${row?.customerId}:entered:1`,
      properties: { segment: 'shoe-browsers', entry: 1, segment_version: row?.segmentVersion },
    });
    // The view first, then the entry it caused: both handed to journeys before the response.
    expect(api.router.calls.slice(-2).map((c) => c.event.name)).toEqual([
      'Product Viewed',
      'Segment Entered',
    ]);
  });

  it('leaves when they order (at the order time), and re-entering counts the second entry', async () => {
    await track('ann', 'Order Completed', t0 + 5 * hour, { orderId: 'o1', total: 50 });
    expect(await membership()).toMatchObject({
      member: false,
      entries: 1,
      enteredAt: new Date(t0 + 3 * hour),
      leftAt: new Date(t0 + 5 * hour),
    });
    expect(api.router.calls.at(-1)?.event).toMatchObject({
      name: 'Segment Left',
      properties: { segment: 'shoe-browsers', entry: 1 },
    });
    // 61 days on, the order is out of its window: three new views bring them back in.
    const later = t0 + 61 * day;
    await track('ann', 'Product Viewed', later, { category: 'shoes' });
    await track('ann', 'Product Viewed', later + hour, { category: 'shoes' });
    expect((await membership())?.member).toBe(false);
    await track('ann', 'Product Viewed', later + 2 * hour, { category: 'shoes' });
    expect(await membership()).toMatchObject({
      member: true,
      entries: 2,
      enteredAt: new Date(later + 2 * hour),
      leftAt: new Date(t0 + 5 * hour),
    });
    expect(
      (await membershipEvents()).map((e) => [e.name, (e.properties as { entry: number }).entry]),
    ).toEqual([
      ['Segment Entered', 1],
      ['Segment Left', 1],
      ['Segment Entered', 2],
    ]);
    const unrouted = await database.db.select().from(events).where(isNull(events.routedAt));
    expect(unrouted).toEqual([]);
  });

  it('a crash between the membership write and routing loses and duplicates nothing', async () => {
    const at = t0 + 100 * day;
    await track('bob', 'Product Viewed', at, { category: 'shoes' });
    await track('bob', 'Product Viewed', at + hour, { category: 'shoes' });
    // The journey router fails once: the client gets a 503, the entry is recorded, nothing routed.
    api.router.failNext = 1;
    now = new Date(at + 2 * hour + 1_000);
    const body = {
      userId: 'bob',
      event: 'Product Viewed',
      messageId: 'bob-third-view',
      properties: { category: 'shoes' },
      timestamp: new Date(at + 2 * hour).toISOString(),
    };
    expect((await postJson(api, '/v1/track', body)).status).toBe(503);
    const bobEntries = () =>
      database.db
        .select({ routedAt: events.routedAt })
        .from(events)
        .where(and(eq(events.name, 'Segment Entered'), eq(events.occurredAt, new Date(at + 2 * hour))));
    const before = (await membershipEvents()).length;
    // The client's retry evaluates again (no second entry) and routes the view.
    expect((await postJson(api, '/v1/track', body)).status).toBe(200);
    expect((await membershipEvents()).length).toBe(before);
    // The entry event from the failed attempt is still unrouted: the sweep routes it, once.
    const sweep = startUnroutedSweep({
      db: database.db,
      router: { route: async (event, customer) => api.router.route(event, customer) },
      logger: pino({ level: 'silent' }),
      intervalMs: 60_000,
    });
    await sweep.sweep();
    await sweep.stop();
    expect((await bobEntries()).every((row) => row.routedAt !== null)).toBe(true);
    const handed = api.router.calls.filter(
      (c) =>
        c.event.name === 'Segment Entered' &&
        c.event.messageId.includes(':entered:1') &&
        c.customer.id !== '',
    );
    expect(handed.filter((c) => c.event.occurredAt.getTime() === at + 2 * hour)).toHaveLength(1);
  });

  it('refuses client events named like membership events, changing nothing', async () => {
    const before = await database.db.select().from(events);
    const response = await postJson(api, '/v1/track', { userId: 'eve', event: 'Segment Entered' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe(
      'event: "Segment Entered" is reserved: the engine records Segment Entered and Segment Left itself when a customer enters or leaves a segment',
    );
    expect(await database.db.select().from(events)).toHaveLength(before.length);
  });

  it('an SDK batch of one person: membership commits in the same transaction as the events', async () => {
    const at = t0 + 200 * day;
    // A journey listens to segment entries only: the views need no routing once they are counted.
    api.router.interest = async () => (event) => event.name === 'Segment Entered';
    const before = api.router.calls.length;
    now = new Date(at + 4 * hour);
    const view = (i: number, category: string) => ({
      type: 'track',
      userId: 'cy',
      event: 'Product Viewed',
      messageId: `cy-view-${i}`,
      properties: { category },
      timestamp: new Date(at + i * hour).toISOString(),
    });
    const batch = [view(0, 'shoes'), view(1, 'shoes'), view(2, 'shoes'), view(3, 'hats')];
    try {
      expect((await postJson(api, '/v1/batch', { batch })).status).toBe(200);
    } finally {
      delete api.router.interest;
    }
    const views = await database.db
      .select({ customerId: events.customerId, routedAt: events.routedAt, xmin: sql<string>`xmin::text` })
      .from(events)
      .where(like(events.messageId, 'cy-view-%'));
    expect(views).toHaveLength(4);
    const [row] = await database.db
      .select({
        member: segmentMemberships.member,
        enteredAt: segmentMemberships.enteredAt,
        xmin: sql<string>`xmin::text`,
      })
      .from(segmentMemberships)
      .where(eq(segmentMemberships.customerId, views[0]?.customerId ?? ''));
    expect(row).toMatchObject({ member: true, enteredAt: new Date(at + 2 * hour) });
    // The same writing transaction as the views (nothing between "stored" and "counted"), all routed.
    for (const stored of views) expect(stored).toMatchObject({ xmin: row?.xmin, routedAt: expect.any(Date) });
    // Journeys were handed the entry alone, in the same request; nothing is left unrouted.
    expect(api.router.calls.slice(before).map((c) => c.event.name)).toEqual(['Segment Entered']);
    expect(await database.db.select().from(events).where(isNull(events.routedAt))).toEqual([]);
  });
});
