import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUnsubscribeToken } from '../customers/unsubscribe-token.js';
import { consents, customers, events, identities } from '../db/schema.js';
import { migrationsFolder } from '../db/migrate.js';
import { defaultMaxClockSkewMs } from '../domain/event-time.js';
import { postJson, useApiWithDatabase, type TestApi } from './helpers/api.js';
import { emailPipeline } from './helpers/email-pipeline.js';
import { startSmtpPeer, type SmtpPeer } from './helpers/smtp-peer.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { deliveryRequest } from './helpers/delivery-request.js';

const year = 365 * 86_400_000;

describe('event time you can trust: a client clock in the future cannot outvote a later unsubscribe', () => {
  const context = useApiWithDatabase();
  let database: TestDatabase;
  let api: TestApi;
  let smtp: SmtpPeer;
  beforeAll(async () => {
    ({ database, api } = context);
    smtp = await startSmtpPeer();
  });
  afterAll(() => smtp?.close());

  const send = async (type: 'identify' | 'track', body: Record<string, unknown>) => {
    const messageId = randomUUID();
    const response = await postJson(api, `/v1/${type}`, { messageId, ...body });
    expect(response.status).toBe(200);
    const [row] = await database.db.select().from(events).where(eq(events.messageId, messageId));
    return row!;
  };
  const customerOf = async (userId: string) => {
    const [row] = await database.db
      .select()
      .from(identities)
      .where(and(eq(identities.kind, 'user_id'), eq(identities.value, userId)));
    return row!.customerId;
  };
  const consentOf = async (customerId: string) => {
    const [row] = await database.db
      .select()
      .from(consents)
      .where(and(eq(consents.customerId, customerId), eq(consents.channel, 'email')));
    return row;
  };
  const expectWithinSkew = (row: { occurredAt: Date; receivedAt: Date }) =>
    expect(row.occurredAt.getTime() - row.receivedAt.getTime()).toBeLessThanOrEqual(defaultMaxClockSkewMs);
  const marketingMail = (customerId: string) =>
    deliveryRequest(customerId, {
      journeyId: 'welcome-series',
      stepId: 'offer',
      template: 'first-purchase-offer',
      trigger: { messageId: 'm', name: 'Signed Up', properties: {}, occurredAt: new Date().toISOString() },
    });

  it('identify dated 9999 without sentAt, then the one-click unsubscribe: unsubscribed, and no marketing mail goes out', async () => {
    const email = `future-${randomUUID()}@example.test`;
    const event = await send('identify', {
      userId: 'future-user',
      timestamp: '9999-01-01T00:00:00Z',
      traits: { email, name: 'Fay', consent: { email: 'subscribed' } },
      context: { timezone: 'Europe/Paris' },
    });
    expectWithinSkew(event);
    const customerId = await customerOf('future-user');
    const subscribed = await consentOf(customerId);
    expect(subscribed?.status).toBe('subscribed');
    expect(subscribed!.updatedAt.getTime()).toBeLessThanOrEqual(Date.now() + defaultMaxClockSkewMs);
    const [profile] = await database.db.select().from(customers).where(eq(customers.id, customerId));
    expect(profile!.traitTimes.email! < '9999').toBe(true);

    // The pipeline sends to this customer while subscribed (noon in Paris: no quiet hours)…
    const pipeline = emailPipeline(database.db, smtp.url, {
      unsubscribe: { secret: api.secrets.unsubscribeSecret, baseUrl: api.url },
      now: () => new Date('2026-11-20T12:00:00Z'),
    });
    const mailsTo = () => smtp.messages.filter((m) => JSON.stringify(m.to).includes(email)).length;
    expect(await pipeline.deliver(marketingMail(customerId))).toMatchObject({ status: 'sent' });
    expect(mailsTo()).toBe(1);

    // …then the person clicks the one-click unsubscribe: it is later than the identify, so it wins.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const token = createUnsubscribeToken(api.secrets.unsubscribeSecret, { customerId, channel: 'email' });
    const response = await fetch(`${api.url}/unsubscribe?token=${encodeURIComponent(token)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(response.status).toBe(200);
    expect((await consentOf(customerId))?.status).toBe('unsubscribed');

    const after = await pipeline.deliver(marketingMail(customerId));
    expect(after.status).toBe('skipped');
    expect(mailsTo()).toBe(1);
  });

  it('a device clock a year fast, without sentAt: stored within the skew of the receive time', async () => {
    const fast = new Date(Date.now() + year).toISOString();
    const track = await send('track', { userId: 'fast-clock', event: 'Product Viewed', timestamp: fast });
    expectWithinSkew(track);
    const identify = await send('identify', {
      userId: 'fast-clock',
      timestamp: fast,
      traits: { plan: 'pro' },
    });
    expectWithinSkew(identify);
  });

  it('history and a clock a minute fast are kept as sent', async () => {
    const old = await send('track', {
      userId: 'history',
      event: 'Order Completed',
      timestamp: '2015-06-01T10:00:00Z',
    });
    expect(old.occurredAt.toISOString()).toBe('2015-06-01T10:00:00.000Z');
    const slightlyFast = new Date(Date.now() + 60_000);
    const near = await send('track', {
      userId: 'history',
      event: 'E',
      timestamp: slightlyFast.toISOString(),
    });
    expect(near.occurredAt.getTime()).toBe(slightlyFast.getTime());
  });
});

describe('migration 0005_repair_future_times', () => {
  let database: TestDatabase;
  beforeAll(async () => void (database = await createTestDatabase()));
  afterAll(() => database?.drop());

  it('dates future events at their receive time, and clamps future consent, last-seen and trait times to now', async () => {
    const { db } = database;
    const receivedAt = new Date('2026-11-01T12:00:00Z');
    const future = new Date('9999-01-01T00:00:00Z');
    const [customer] = await db
      .insert(customers)
      .values({
        traits: { email: 'x@example.test', name: 'X', plan: 'pro' },
        traitTimes: { email: future.toISOString(), name: '2026-10-01T00:00:00.000Z', plan: '' },
        lastSeenAt: future,
      })
      .returning();
    const id = customer!.id;
    const event = (messageId: string, occurredAt: Date) => ({
      messageId,
      customerId: id,
      type: 'identify' as const,
      occurredAt,
      receivedAt,
    });
    await db
      .insert(events)
      .values([
        event('future', future),
        event('within-skew', new Date(receivedAt.getTime() + 4 * 60_000)),
        event('history', new Date('2015-06-01T10:00:00Z')),
      ]);
    await db.insert(consents).values([
      { customerId: id, channel: 'email', status: 'subscribed', source: 'identify', updatedAt: future },
      { customerId: id, channel: 'sms', status: 'subscribed', source: 'identify', updatedAt: receivedAt },
    ]);

    const before = new Date();
    const file = await readFile(path.join(migrationsFolder, '0005_repair_future_times.sql'), 'utf8');
    for (const statement of file.split('--> statement-breakpoint')) await database.sql.unsafe(statement);
    const after = new Date();

    const times = Object.fromEntries(
      (await db.select().from(events).where(eq(events.customerId, id))).map((e) => [
        e.messageId,
        e.occurredAt,
      ]),
    );
    expect(times.future).toEqual(receivedAt);
    expect(times['within-skew']).toEqual(new Date(receivedAt.getTime() + 4 * 60_000));
    expect(times.history).toEqual(new Date('2015-06-01T10:00:00Z'));
    const byChannel = Object.fromEntries(
      (await db.select().from(consents).where(eq(consents.customerId, id))).map((c) => [
        c.channel,
        c.updatedAt,
      ]),
    );
    const isNow = (time: Date | string | null | undefined) => {
      const ms = new Date(time ?? 0).getTime();
      return ms >= before.getTime() - 1_000 && ms <= after.getTime() + 1_000;
    };
    expect(isNow(byChannel.email)).toBe(true);
    expect(byChannel.sms).toEqual(receivedAt);
    const [repaired] = await db.select().from(customers).where(eq(customers.id, id));
    expect(isNow(repaired!.lastSeenAt)).toBe(true);
    expect(isNow(repaired!.traitTimes.email)).toBe(true);
    expect(repaired!.traitTimes).toMatchObject({ name: '2026-10-01T00:00:00.000Z', plan: '' });
    expect(repaired!.traitTimes.email).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});
