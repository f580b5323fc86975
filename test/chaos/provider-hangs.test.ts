import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { and, eq, inArray } from 'drizzle-orm';
import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestMessage } from '../../customers/ingest-message.js';
import { deliveries, pushSubscriptions } from '../../db/schema.js';
import { createEmailAdapter } from '../../delivery/channels/email.js';
import { createPushAdapter } from '../../delivery/channels/push.js';
import { createDeliveryPipeline, type DeliveryPipelineOptions } from '../../delivery/delivery-pipeline.js';
import type { DeliveryRequest } from '../../delivery/delivery-request.js';
import type { SendOutcome } from '../../domain/journey-runtime.js';
import type { SegmentMessage } from '../../domain/segment-message.js';
import { registry } from '../../infra/metrics.js';
import { templates } from '../../journeys/templates.js';
import { pino } from 'pino';
import { deliveryRequest } from '../helpers/delivery-request.js';
import { startPushPeer, type PushPeer } from '../helpers/push-peer.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { startBlackHole, startWithholdingSmtpPeer } from '../helpers/withholding-smtp-peer.js';
import { allowPushPeer } from '../../delivery/push-endpoints.js';

/**
 * Providers that hang. The bounds are shortened for the test (SMTP connect 1 s and each reply 1 s,
 * push 1 s, the whole provider call 2 s; production: 10 s, 30 s, 30 s, 60 s) and the deliver
 * activity's retries are replayed as Temporal makes them (attempt 1, 2, … with the same request).
 */
const withholdMs = 8_000;
const fast = { connectMs: 1_000, responseMs: 1_000 };
const from = 'Shop <shop@example.test>';
const fragile = {
  email: {
    subject: '{% if profile.traits.layout %}{% include profile.traits.layout %}{% endif %}Your order',
    html: '<p>Thanks</p><a href="{{ unsubscribe_url }}">Unsubscribe</a>',
    text: 'Thanks {{ unsubscribe_url }}',
  },
};

/** Temporal's retries of the deliver activity: the same request, attempt after attempt, up to 10. */
async function withRetries(
  deliver: (attempt: number) => Promise<SendOutcome>,
): Promise<{ outcome: SendOutcome; attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { outcome: await deliver(attempt), attempts: attempt };
    } catch (error) {
      if (attempt >= 10) throw error;
    }
  }
}

describe('providers that hang, and failures after the reservation', () => {
  let database: TestDatabase;
  let smtp: SmtpPeer;
  let pushPeer: PushPeer;
  const vapid = { subject: 'mailto:ops@example.test', ...webpush.generateVAPIDKeys() };
  beforeAll(async () => {
    [database, smtp, pushPeer] = await Promise.all([createTestDatabase(), startSmtpPeer(), startPushPeer()]);
  });
  afterAll(async () => {
    await pushPeer?.close();
    await smtp?.close();
    await database?.drop();
  });

  const pipeline = (smtpUrl: string, overrides: Partial<DeliveryPipelineOptions> = {}) =>
    createDeliveryPipeline({
      db: database.db,
      adapters: [createEmailAdapter({ smtpUrl, from, messageIdDomain: 'example.test', timeouts: fast })],
      templates: { ...templates, fragile },
      logger: pino({ level: 'silent' }),
      unsubscribe: { secret: 'u'.repeat(64), baseUrl: 'http://127.0.0.1:3000' },
      providerTimeoutMs: 2_000,
      now: () => new Date('2026-11-20T12:00:00Z'),
      ...overrides,
    });
  const customer = async (traits: Record<string, unknown>) => {
    const userId = `u-${randomUUID()}`;
    const message = { type: 'identify', userId, traits, messageId: randomUUID() } as SegmentMessage;
    const stored = await ingestMessage(database.db, message, { receivedAt: new Date() });
    if (stored.outcome !== 'stored') throw new Error('not stored');
    return stored.customer.id;
  };
  const request = (customerId: string, extra: Partial<DeliveryRequest> = {}) =>
    deliveryRequest(customerId, {
      trigger: { messageId: 'm', name: 'Product Added', properties: {}, occurredAt: '2026-11-20T11:00:00Z' },
      ...extra,
    });
  const rowsOf = (requests: DeliveryRequest[]) =>
    database.db
      .select()
      .from(deliveries)
      .where(
        inArray(
          deliveries.runId,
          requests.map((r) => r.runId),
        ),
      );

  it('SMTP withholds its final reply: 50 messages, each delivered once, none after its step ended, none left reserved', async () => {
    const peer = await startWithholdingSmtpPeer(withholdMs);
    try {
      const ids = await Promise.all(
        Array.from({ length: 50 }, (_, i) => customer({ email: `h${i}@example.test` })),
      );
      const requests = ids.map((id) => request(id));
      const mail = pipeline(peer.url);
      const started = Date.now();
      const results = await Promise.all(
        requests.map((r) => withRetries((attempt) => mail.deliver(r, { attempt }))),
      );
      const ended = Date.now();
      expect(results.every((r) => r.outcome.status === 'sent')).toBe(true);
      // attempt 1 waits out the 1 s reply bound; a loaded machine may need more (each bounded)
      expect(results.every((r) => r.attempts >= 2)).toBe(true);
      expect(ended - started).toBeLessThan(withholdMs); // the bound (1 s reply timeout), not the peer's 3 s
      await sleep(withholdMs + 500); // every withheld reply is now due
      // One Message-ID per message; on a loaded machine a retry cut off while its reply was on the
      // way is re-handed with the same Message-ID (the email crash window), never a second ID.
      const ids50 = new Set(peer.accepted.map((m) => m.messageId));
      expect(ids50.size).toBe(50);
      expect(peer.accepted.every((m) => m.at <= ended)).toBe(true);
      expect(peer.dropped()).toBeGreaterThanOrEqual(50);
      const rows = await rowsOf(requests);
      expect(rows.filter((row) => row.status === 'reserved' || row.status === 'sending')).toEqual([]);
    } finally {
      await peer.close();
    }
  });

  it('the activity cancelled mid-send: the connection is dropped, the late reply confirms nothing, the retry sends once', async () => {
    const peer = await startWithholdingSmtpPeer(withholdMs);
    try {
      const id = await customer({ email: 'cancel@example.test' });
      const step = request(id);
      const mail = pipeline(peer.url, { providerTimeoutMs: 60_000 });
      const cancel = new AbortController();
      setTimeout(() => cancel.abort(new Error('activity cancelled')), 300);
      await expect(mail.deliver(step, { attempt: 1, signal: cancel.signal })).rejects.toThrow(/aborted/);
      const [released] = await rowsOf([step]);
      expect(released).toMatchObject({
        status: 'reserved',
        reason: expect.stringMatching(/^retrying: email: aborted/),
      });
      expect(await mail.deliver(step, { attempt: 2 })).toMatchObject({ status: 'sent' });
      await sleep(withholdMs + 500);
      expect(peer.accepted).toHaveLength(1);
    } finally {
      await peer.close();
    }
  });

  it('a black-hole push endpoint: with onOutage retry the step falls back to email after 3 attempts of 1 s, unset (marketing) at once; the connections closed', async () => {
    const hole = await startBlackHole();
    // A loopback endpoint is refused unless its peer allows its own origin, as the tests' push peer does.
    const disallow = allowPushPeer(`https://127.0.0.1:${hole.port}`);
    try {
      const id = await customer({ email: 'hole@example.test' });
      const subscription = pushPeer.subscribe();
      const endpoint = `https://127.0.0.1:${hole.port}/push/${randomUUID()}`;
      await database.db.insert(pushSubscriptions).values({ customerId: id, endpoint, ...subscription.keys });
      const push = createPushAdapter({ vapid, agent: pushPeer.agent, timeoutMs: 1_000 });
      const withPush = createDeliveryPipeline({
        db: database.db,
        adapters: [createEmailAdapter({ smtpUrl: smtp.url, from, messageIdDomain: 'example.test' }), push],
        templates,
        logger: pino({ level: 'silent' }),
        unsubscribe: { secret: 'u'.repeat(64), baseUrl: 'http://127.0.0.1:3000' },
        providerTimeoutMs: 2_000,
        now: () => new Date('2026-11-20T12:00:00Z'),
      });
      const step = request(id, { channels: ['push', 'email'], onOutage: 'retry' });
      const started = Date.now();
      const { outcome, attempts } = await withRetries((attempt) => withPush.deliver(step, { attempt }));
      const took = Date.now() - started;
      expect(outcome).toMatchObject({ status: 'sent', channel: 'email' });
      expect(attempts).toBe(3);
      expect(took).toBeLessThan(6_000);
      const rows = await rowsOf([step]);
      expect(rows.map((row) => row.status).sort()).toEqual(['failed', 'sent']);
      expect(rows.find((row) => row.status === 'failed')?.reason).toMatch(/^transient: push/);
      await sleep(200);
      expect(hole.openConnections()).toBe(0);

      // Unset, a marketing send falls back at once.
      const atOnce = request(id, { channels: ['push', 'email'] });
      const second = await withRetries((attempt) => withPush.deliver(atOnce, { attempt }));
      expect(second).toMatchObject({ outcome: { status: 'sent', channel: 'email' }, attempts: 1 });
    } finally {
      disallow();
      await hole.close();
    }
  });

  it('a template that fails to render for one customer: that step failed with the reason, the others unaffected, counted in /metrics', async () => {
    const broken = await customer({ email: 'broken@example.test', layout: 'no-such-layout' });
    const fine = await customer({ email: 'fine@example.test' });
    const mail = pipeline(smtp.url);
    const step = request(broken, { template: 'fragile', category: 'transactional' });
    const outcome = await mail.deliver(step, { attempt: 1 });
    expect(outcome).toMatchObject({ status: 'failed', channel: 'email' });
    expect(outcome.reason).toMatch(/email failed \(render\): template "fragile" did not render/);
    const [row] = await rowsOf([step]);
    expect(row).toMatchObject({ status: 'failed', reason: outcome.reason });
    expect(
      await mail.deliver(request(fine, { template: 'fragile', category: 'transactional' })),
    ).toMatchObject({
      status: 'sent',
    });
    expect(await registry.metrics()).toMatch(
      /omnijourney_delivery_failures_total\{channel="email",reason="render"\} [1-9]/,
    );
  });

  it('a send retried after its deferral was saved gets the release time back, and goes out then', async () => {
    const id = await customer({ email: 'night@example.test' });
    const night = new Date('2026-11-20T22:30:00Z'); // 22:30 UTC: quiet hours
    const step = request(id, { category: 'marketing' });
    const first = await pipeline(smtp.url, { now: () => night }).deliver(step);
    expect(first).toMatchObject({ status: 'deferred', until: expect.any(String) });
    const retried = await pipeline(smtp.url, { now: () => night }).deliver(step, { attempt: 2 });
    expect(retried).toMatchObject({ status: 'deferred', until: first.until });
    const release = new Date(first.until!);
    const later = { ...step, dedupKey: `${step.dedupKey}/1` }; // what the workflow asks after its timer
    expect(await pipeline(smtp.url, { now: () => release }).deliver(later)).toMatchObject({ status: 'sent' });
    const rows = await database.db
      .select()
      .from(deliveries)
      .where(and(eq(deliveries.runId, step.runId), eq(deliveries.status, 'sent')));
    expect(rows).toHaveLength(1);
  });

  it('a row left reserved (a run cancelled mid-send) counts toward caps and intents for 30 minutes, then no more', async () => {
    const id = await customer({ email: 'stuck@example.test' });
    const noon = new Date('2026-11-20T12:00:00Z');
    const oneADay = { caps: [{ id: 'one-a-day', max: 1, windowMs: 86_400_000 }], now: () => noon };
    const stuck = (minutesAgo: number) =>
      database.db.insert(deliveries).values({
        dedupKey: `stuck/${randomUUID()}`,
        customerId: id,
        channel: 'email',
        category: 'marketing',
        status: 'reserved',
        intentKey: 'same-intent',
        createdAt: new Date(noon.getTime() - minutesAgo * 60_000),
      });
    await stuck(10);
    const capped = await pipeline(smtp.url, oneADay).deliver(request(id));
    expect(capped).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/one-a-day/) });
    await database.db.delete(deliveries).where(eq(deliveries.customerId, id));
    await stuck(31);
    expect(
      await pipeline(smtp.url, oneADay).deliver(request(id, { intentKey: 'same-intent' })),
    ).toMatchObject({
      status: 'sent',
    });
  });
});
