import type { Client } from '@temporalio/client';
import { and, eq, like, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertBroadcast } from '../audiences/broadcast-store.js';
import { deliveries } from '../db/schema.js';
import { cancelledDeferredReason, deferredDue } from '../audiences/broadcast-deferred.js';
import { controlBroadcast } from '../runs/broadcast-control.js';
import { reserveBatch } from '../delivery/batch-reservation.js';
import { createBatchDelivery } from '../delivery/batch-delivery.js';
import { createRateGovernor } from '../delivery/rate-governor.js';
import { ChannelFailure, type ChannelAdapter } from '../delivery/channel-adapter.js';
import { reservationRules } from '../delivery/reservation.js';
import { createDeliveryPipeline } from '../delivery/delivery-pipeline.js';
import { pino } from 'pino';
import { deliveryRequest } from './helpers/delivery-request.js';
import { eventually } from './helpers/admin.js';
import { broadcastIntentKey } from '../domain/broadcast.js';
import { templates } from '../journeys/templates.js';
import { audienceIndex, groupOf, seedAudience } from './helpers/broadcast-audience.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

/**
 * A broadcast's batch against real PostgreSQL: the same decision as a journey's send for every
 * customer, one ledger row each, and a retried batch that finds its rows. The provider is a
 * recording adapter (no network peer needed to count what went out); the SMTP path is in
 * test/broadcast-crash.test.ts.
 */
let database: TestDatabase;
const sentTo: string[] = [];
const recording: ChannelAdapter = {
  channel: 'email',
  crashWindow: 'at-least-once',
  async send({ recipient, idempotencyKey }) {
    if (recipient.channel === 'email') sentTo.push(recipient.email);
    return { providerMessageId: idempotencyKey };
  },
};
const options = () => ({
  db: database.db,
  adapters: [recording],
  templates,
  unsubscribe: { secret: 'u'.repeat(64), baseUrl: 'http://127.0.0.1:3000' },
});

async function newBroadcast(id: string, segmentId: string) {
  return insertBroadcast(database.db, {
    id,
    name: id,
    segmentId,
    template: 'win-back',
    channels: ['email'],
    category: 'marketing',
    intentKey: broadcastIntentKey(id),
    scheduledAt: null,
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  await seedAudience(database.db, 'batch', 200);
});
afterAll(() => database.drop());

describe('a broadcast batch', () => {
  it('decides each customer as a send would: sent, unsubscribed, capped, deferred to their window', async () => {
    await newBroadcast('b1', 'batch');
    const index = await audienceIndex(database.db, 'batch');
    const ids = [...index.keys()].sort();
    const delivery = createBatchDelivery(options());
    const outcome = await delivery.deliverBatch('b1', ids);
    expect(outcome).toEqual({
      customers: 200,
      cancelled: false,
      statuses: { sent: 140, skipped: 40, deferred: 20 },
    });
    const rows = await database.db
      .select()
      .from(deliveries)
      .where(like(deliveries.dedupKey, 'broadcast:b1:%'));
    expect(rows).toHaveLength(200);
    for (const row of rows) {
      const group = groupOf(index.get(row.customerId) ?? -1);
      if (group === 'plain') expect(row).toMatchObject({ status: 'sent', channel: 'email' });
      if (group === 'unsubscribed')
        expect(row).toMatchObject({
          status: 'skipped',
          reason: 'no channel allowed: email: email unsubscribed',
        });
      if (group === 'capped') expect(row).toMatchObject({ status: 'skipped', rule: 'two-a-day' });
      if (group === 'quiet') {
        expect(row).toMatchObject({ status: 'deferred', rule: 'quiet-hours' });
        expect(row.deferredUntil?.getTime()).toBeGreaterThan(Date.now());
      }
    }
    expect(sentTo).toHaveLength(140);
    expect(new Set(sentTo).size).toBe(140);
  });

  it('run again (a retry after a crash), it sends nothing twice and writes no row', async () => {
    const index = await audienceIndex(database.db, 'batch');
    const before = sentTo.length;
    const outcome = await createBatchDelivery(options()).deliverBatch('b1', [...index.keys()].sort());
    expect(outcome.statuses).toEqual({ sent: 140, skipped: 40, deferred: 20 });
    expect(sentTo.length).toBe(before);
    const [{ n } = { n: 0 }] = await database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(deliveries)
      .where(like(deliveries.dedupKey, 'broadcast:b1:%'));
    expect(n).toBe(200);
  });

  it('sends a row an earlier attempt reserved but did not send, once', async () => {
    await newBroadcast('b2', 'batch');
    const ids = [...(await audienceIndex(database.db, 'batch')).keys()].sort().slice(0, 50);
    const rules = reservationRules({}, ['email']);
    // The earlier attempt died after its reservation committed, before any provider call.
    const reserved = await reserveBatch(database.db, rules, 'b2', ids);
    const reservedCount = reserved.items.filter((item) => item.kind === 'reserved').length;
    expect(reservedCount).toBeGreaterThan(0);
    const before = sentTo.length;
    const outcome = await createBatchDelivery(options()).deliverBatch('b2', ids);
    expect(sentTo.length - before).toBe(reservedCount);
    expect(outcome.statuses.sent).toBe(reservedCount);
  });

  it('records each answer as it comes: a kill while one call hangs resends only that one', async () => {
    await seedAudience(database.db, 'answered', 20);
    await newBroadcast('b-answered', 'answered');
    const ids = [...(await audienceIndex(database.db, 'answered')).keys()].sort();
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const hanging: ChannelAdapter = {
      channel: 'email',
      crashWindow: 'at-least-once',
      async send({ recipient, idempotencyKey }) {
        if (recipient.channel === 'email' && recipient.email === 'answered-0@broadcast.test') await held;
        return { providerMessageId: idempotencyKey };
      },
    };
    const batch = createBatchDelivery({ ...options(), adapters: [hanging] }).deliverBatch('b-answered', ids);
    const sentRows = async () => {
      const [{ n } = { n: 0 }] = await database.db
        .select({ n: sql<number>`count(*)::int` })
        .from(deliveries)
        .where(sql`${deliveries.workflowId} = 'broadcast-b-answered' and ${deliveries.status} = 'sent'`);
      return n;
    };
    // 14 eligible: the 13 answered are `sent` in the ledger while the 14th call still hangs.
    expect(await eventually(sentRows, (n) => n === 13)).toBe(13);
    release();
    expect((await batch).statuses.sent).toBe(14);
    expect(await sentRows()).toBe(14);
  });

  it('a customer deferred to their window is decided again once it opens: the same row sent, once', async () => {
    await seedAudience(database.db, 'night', 10);
    await newBroadcast('b-night', 'night');
    const ids = [...(await audienceIndex(database.db, 'night')).keys()].sort();
    const before = sentTo.length;
    await createBatchDelivery(options()).deliverBatch('b-night', ids);
    // i = 3 lives where it is 3 AM: deferred to the end of quiet hours (plus jitter).
    const quiet = await deferredDue(database.db, 'b-night', new Date(), 500);
    expect(quiet.due).toEqual([]);
    expect(quiet.nextAt).not.toBeNull();
    const opens = new Date(Date.parse(quiet.nextAt ?? '') + 1_000);
    const { due } = await deferredDue(database.db, 'b-night', opens, 500);
    expect(due).toHaveLength(1);
    const [deferredRow] = await database.db
      .select()
      .from(deliveries)
      .where(eq(deliveries.customerId, due[0] ?? ''));
    const later = createBatchDelivery({ ...options(), now: () => opens });
    expect((await later.deliverBatch('b-night', due)).statuses).toEqual({ sent: 1 });
    expect([sentTo.length - before, sentTo.at(-1)]).toEqual([8, 'night-3@broadcast.test']);
    const [sentRow] = await database.db
      .select()
      .from(deliveries)
      .where(eq(deliveries.customerId, due[0] ?? ''));
    expect(sentRow).toMatchObject({
      id: deferredRow?.id,
      status: 'sent',
      deferredUntil: deferredRow?.deferredUntil,
    });
    // Asked again (a retried batch, a second round): nothing sent twice, nothing left deferred.
    expect((await later.deliverBatch('b-night', due)).statuses).toEqual({ sent: 1 });
    expect(sentTo.length - before).toBe(8);
    expect(await deferredDue(database.db, 'b-night', opens, 500)).toEqual({ due: [], nextAt: null });
  });

  it('a completed broadcast cancelled while a send waits for its window: skipped with the reason, never sent', async () => {
    await newBroadcast('b-night-cancel', 'night');
    const ids = [...(await audienceIndex(database.db, 'night')).keys()].sort();
    await createBatchDelivery(options()).deliverBatch('b-night-cancel', ids);
    await database.db.execute(sql`update broadcasts set status = 'completed' where id = 'b-night-cancel'`);
    const { nextAt } = await deferredDue(database.db, 'b-night-cancel', new Date(), 500);
    const opens = new Date(Date.parse(nextAt ?? '') + 1_000);
    const [waiting] = (await deferredDue(database.db, 'b-night-cancel', opens, 500)).due;
    // No Temporal call on this path: the rows are the state.
    const client = undefined as unknown as Client;
    await expect(controlBroadcast(database.db, client, 'b-night-cancel', 'pause')).rejects.toThrow(
      'broadcast b-night-cancel is completed (sends still waiting for quiet-hours windows can be cancelled, not paused)',
    );
    const report = await controlBroadcast(database.db, client, 'b-night-cancel', 'cancel');
    expect(report.broadcast.status).toBe('completed');
    const [row] = await database.db
      .select()
      .from(deliveries)
      .where(
        and(eq(deliveries.workflowId, 'broadcast-b-night-cancel'), eq(deliveries.customerId, waiting ?? '')),
      );
    expect(row).toMatchObject({ status: 'skipped', reason: cancelledDeferredReason });
    expect(await deferredDue(database.db, 'b-night-cancel', opens, 500)).toEqual({ due: [], nextAt: null });
    // A batch of the deferred-sends workflow already under way when it was cancelled sends nothing.
    const before = sentTo.length;
    const later = createBatchDelivery({ ...options(), now: () => opens });
    expect((await later.deliverBatch('b-night-cancel', [waiting ?? ''])).statuses).toEqual({ skipped: 1 });
    expect(sentTo.length).toBe(before);
    // Nothing left waiting: a second cancel is refused, saying why.
    await expect(controlBroadcast(database.db, client, 'b-night-cancel', 'cancel')).rejects.toThrow(
      'broadcast b-night-cancel is completed (no send is left waiting for a quiet-hours window)',
    );
  });

  it('a cancelled broadcast decides and sends nothing', async () => {
    await newBroadcast('b3', 'batch');
    await database.db.execute(sql`update broadcasts set status = 'cancelled' where id = 'b3'`);
    const ids = [...(await audienceIndex(database.db, 'batch')).keys()].slice(0, 10);
    const outcome = await createBatchDelivery(options()).deliverBatch('b3', ids);
    expect(outcome).toMatchObject({ cancelled: true, statuses: {} });
    expect(
      await database.db.select().from(deliveries).where(eq(deliveries.workflowId, 'broadcast-b3')),
    ).toEqual([]);
  });

  it('and a journey send racing it for the last cap slot of a customer: one gets it, never both', async () => {
    await seedAudience(database.db, 'race', 100);
    await newBroadcast('b4', 'race');
    const index = await audienceIndex(database.db, 'race');
    const plain = [...index].filter(([, i]) => groupOf(i) === 'plain').map(([id]) => id);
    // One marketing email already today: one slot left under `two-a-day`.
    await database.db.execute(sql`
      insert into deliveries (dedup_key, customer_id, channel, category, status, intent_key)
      select 'race-earlier:' || id, id::uuid, 'email', 'marketing', 'sent', 'race-earlier'
      from jsonb_array_elements_text(${JSON.stringify(plain)}::jsonb) as id`);
    const pipeline = createDeliveryPipeline({ ...options(), logger: pino({ level: 'silent' }) });
    await Promise.all([
      createBatchDelivery(options()).deliverBatch('b4', [...index.keys()].sort()),
      ...plain.map((id) => pipeline.deliver(deliveryRequest(id, { template: 'win-back' }))),
    ]);
    const counted = await database.db.execute<{ customer_id: string; n: number }>(sql`
      select customer_id, count(*)::int as n from deliveries
      where status in ('reserved', 'sending', 'sent', 'delivered') and created_at > now() - interval '1 day'
        and customer_id in (select (jsonb_array_elements_text(${JSON.stringify(plain)}::jsonb))::uuid)
      group by customer_id`);
    expect(counted).toHaveLength(plain.length);
    expect(counted.filter((row) => row.n !== 2)).toEqual([]);
  });

  it('a provider failure: a permanent one fails that row, a transient one is retried by the batch alone', async () => {
    await seedAudience(database.db, 'failing', 20);
    await newBroadcast('b5', 'failing');
    const ids = [...(await audienceIndex(database.db, 'failing'))]
      .filter(([, i]) => groupOf(i) === 'plain')
      .map(([id]) => id)
      .sort();
    const calls = new Map<string, number>();
    const [refused, flaky] = ['failing-0@broadcast.test', 'failing-4@broadcast.test'];
    const failing: ChannelAdapter = {
      channel: 'email',
      crashWindow: 'at-least-once',
      async send({ recipient, idempotencyKey }) {
        const email = recipient.channel === 'email' ? recipient.email : '';
        calls.set(email, (calls.get(email) ?? 0) + 1);
        if (email === refused) throw new ChannelFailure('permanent', '550 mailbox refused');
        if (email === flaky && calls.get(email) === 1) throw new ChannelFailure('transient', '451 try later');
        return { providerMessageId: idempotencyKey };
      },
    };
    const delivery = createBatchDelivery({ ...options(), adapters: [failing] });
    await expect(delivery.deliverBatch('b5', ids, { attempt: 1 })).rejects.toThrow(/1 of the batch to retry/);
    const retried = await delivery.deliverBatch('b5', ids, { attempt: 2 });
    expect(retried.statuses).toEqual({ sent: ids.length - 1, failed: 1 });
    expect([...calls.values()].filter((n) => n !== 1)).toEqual([2]);
    expect(calls.get(flaky)).toBe(2);
    const [row] = await database.db
      .select()
      .from(deliveries)
      .where(sql`${deliveries.workflowId} = 'broadcast-b5' and ${deliveries.status} = 'failed'`);
    expect(row?.reason).toBe('email failed (permanent): 550 mailbox refused');
  });
});

describe('a broadcast batch whose channel fails for good', () => {
  it('goes on to the next channel: the failed attempt kept under a key of its own, the SMS sent once', async () => {
    await seedAudience(database.db, 'fallback', 10);
    await insertBroadcast(database.db, {
      id: 'b-fallback',
      name: 'b-fallback',
      segmentId: 'fallback',
      template: 'cart-incentive',
      channels: ['email', 'sms'],
      category: 'marketing',
      intentKey: broadcastIntentKey('b-fallback'),
      scheduledAt: null,
    });
    const index = await audienceIndex(database.db, 'fallback');
    const [customer] = [...index].find(([, i]) => i === 0) ?? [];
    await database.db.execute(
      sql`insert into identities (customer_id, kind, value, verified_at) values (${customer}, 'phone', '+15005550006', now())`,
    );
    await database.db.execute(
      sql`insert into consents (customer_id, channel, status, source, updated_at) values (${customer}, 'sms', 'subscribed', 'test', now())`,
    );
    const texts: string[] = [];
    const refusing: ChannelAdapter = {
      channel: 'email',
      crashWindow: 'at-least-once',
      async send({ recipient, idempotencyKey }) {
        if (recipient.channel === 'email' && recipient.email === 'fallback-0@broadcast.test')
          throw new ChannelFailure('unreachable', '550 no such user');
        return { providerMessageId: idempotencyKey };
      },
    };
    const sms: ChannelAdapter = {
      channel: 'sms',
      crashWindow: 'at-most-once',
      async send({ recipient, idempotencyKey }) {
        if (recipient.channel === 'sms') texts.push(recipient.phone);
        return { providerMessageId: idempotencyKey };
      },
    };
    const delivery = createBatchDelivery({ ...options(), adapters: [refusing, sms] });
    const ids = [...index.keys()].sort();
    const outcome = await delivery.deliverBatch('b-fallback', ids);
    expect(outcome.statuses).toEqual({ sent: 7, skipped: 2, deferred: 1 });
    expect(texts).toEqual(['+15005550006']);
    const rows = await database.db
      .select({
        dedupKey: deliveries.dedupKey,
        status: deliveries.status,
        channel: deliveries.channel,
        reason: deliveries.reason,
      })
      .from(deliveries)
      .where(eq(deliveries.customerId, customer ?? ''));
    expect(rows.sort((a, b) => a.dedupKey.localeCompare(b.dedupKey))).toEqual([
      { dedupKey: `broadcast:b-fallback:${customer}`, status: 'sent', channel: 'sms', reason: null },
      {
        dedupKey: expect.stringMatching(new RegExp(`^broadcast:b-fallback:${customer}#email#\\d+$`)),
        status: 'failed',
        channel: 'email',
        reason: 'email failed (unreachable): 550 no such user',
      },
    ]);
    // Retried (a crash after it): nothing is sent again on either channel.
    expect((await delivery.deliverBatch('b-fallback', ids)).statuses).toEqual({
      sent: 7,
      skipped: 2,
      deferred: 1,
    });
    expect(texts).toHaveLength(1);
  });
});

describe('a broadcast batch under the provider rate governor', () => {
  it('sends at the configured rate as bulk traffic, each customer once', async () => {
    await seedAudience(database.db, 'paced', 100);
    await newBroadcast('b-paced', 'paced');
    const arrivals: number[] = [];
    const timed: ChannelAdapter = {
      channel: 'email',
      crashWindow: 'at-least-once',
      async send({ idempotencyKey }) {
        arrivals.push(performance.now());
        return { providerMessageId: idempotencyKey };
      },
    };
    const rateGovernor = createRateGovernor({
      db: database.db,
      limits: { email: { ratePerSecond: 20, burst: 1 } },
    });
    const index = await audienceIndex(database.db, 'paced');
    const delivery = createBatchDelivery({ ...options(), adapters: [timed], rateGovernor });
    const outcome = await delivery.deliverBatch('b-paced', [...index.keys()].sort());
    expect(outcome.statuses.sent).toBe(70);
    expect(arrivals).toHaveLength(70);
    // 70 messages at 20/s from an empty bucket: about 3.5 s; never more than 20 in any second (+ burst).
    const span = (arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0);
    expect(span).toBeGreaterThan(3_000);
    const sorted = [...arrivals].sort((a, b) => a - b);
    for (let i = 0; i + 22 < sorted.length; i++)
      expect((sorted[i + 22] ?? 0) - (sorted[i] ?? 0)).toBeGreaterThanOrEqual(1_000);
  }, 60_000);
});
