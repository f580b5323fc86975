import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestMessage } from '../customers/ingest-message.js';
import { deliveries, pushSubscriptions } from '../db/schema.js';
import { createEmailAdapter } from '../delivery/channels/email.js';
import { createSmsAdapter } from '../delivery/channels/sms.js';
import { ChannelFailure, type ChannelAdapter } from '../delivery/channel-adapter.js';
import type { DeliveryRequest } from '../delivery/delivery-request.js';
import type { DeliveryPipelineOptions } from '../delivery/delivery-pipeline.js';
import type { SegmentMessage } from '../domain/segment-message.js';
import { diesAfterProviderAccepts } from './helpers/crash-window.js';
import { deliveryRequest } from './helpers/delivery-request.js';
import { emailAdapterFor, emailPipeline } from './helpers/email-pipeline.js';
import { startSmtpPeer, type SmtpPeer } from './helpers/smtp-peer.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { startTwilioPeer, type TwilioPeer } from './helpers/twilio-peer.js';

const noon = () => new Date('2026-11-20T12:00:00Z');

/** A stand-in for a channel whose real peer is tested elsewhere; it records what it was asked to send. */
function recordingAdapter(
  channel: 'sms' | 'push',
  crashWindow: 'at-least-once' | 'at-most-once' = 'at-most-once',
) {
  const sent: unknown[] = [];
  let fail: ChannelFailure | undefined;
  const adapter: ChannelAdapter = {
    channel,
    crashWindow,
    async send(input) {
      if (fail) {
        const error = fail;
        fail = undefined;
        throw error;
      }
      sent.push(input);
      return { providerMessageId: `${channel}-${sent.length}` };
    },
  };
  return { adapter, sent, failOnce: (failure: ChannelFailure) => (fail = failure) };
}

describe('the delivery pipeline with a real SMTP peer and real Postgres', () => {
  let database: TestDatabase;
  let smtp: SmtpPeer;
  let twilio: TwilioPeer;
  const sms = recordingAdapter('sms');
  const push = recordingAdapter('push', 'at-least-once');
  beforeAll(async () => {
    [database, smtp, twilio] = await Promise.all([createTestDatabase(), startSmtpPeer(), startTwilioPeer()]);
  });
  afterAll(async () => {
    await twilio?.close();
    await smtp?.close();
    await database?.drop();
  });

  const pipeline = (overrides: Partial<DeliveryPipelineOptions> = {}) =>
    emailPipeline(database.db, smtp.url, {
      otherAdapters: [sms.adapter, push.adapter],
      unsubscribe: { secret: 'u'.repeat(64), baseUrl: 'http://127.0.0.1:3000' },
      now: noon,
      ...overrides,
    });

  const customer = async (
    traits: Record<string, unknown>,
    context: Record<string, unknown> = { timezone: 'Europe/Paris' },
  ) => {
    const userId = `u-${randomUUID()}`;
    const message = { type: 'identify', userId, traits, context, messageId: randomUUID() } as SegmentMessage;
    const stored = await ingestMessage(database.db, message, { receivedAt: new Date() });
    if (stored.outcome !== 'stored') throw new Error('not stored');
    for (const [product, name] of [
      ['lamp', 'Lamp'],
      ['mug', 'Mug'],
    ]) {
      const add = {
        type: 'track',
        userId,
        event: 'Product Added',
        properties: { product_id: product, name },
        messageId: randomUUID(),
      } as SegmentMessage;
      await ingestMessage(database.db, add, { receivedAt: new Date() });
    }
    return stored.customer.id;
  };

  const request = (customerId: string, extra: Partial<DeliveryRequest> = {}): DeliveryRequest =>
    deliveryRequest(customerId, {
      workflowId: `journey/abandoned-cart/${customerId}/c`,
      trigger: { messageId: 'm', name: 'Product Added', properties: {}, occurredAt: noon().toISOString() },
      ...extra,
    });

  it('sends a rendered email that the peer receives, with List-Unsubscribe and one-click POST', async () => {
    const id = await customer({ email: 'ann@example.test', name: 'Ann' });
    const outcome = await pipeline().deliver(request(id));
    expect(outcome).toMatchObject({ status: 'sent', channel: 'email' });
    const mail = smtp.messages.find((m) => m.to && JSON.stringify(m.to).includes('ann@example.test'));
    expect(mail?.subject).toBe('Ann, you left something in your cart');
    expect(mail?.html).toContain('Lamp × 1, Mug × 1');
    // Unfolded (long header lines are folded over several lines).
    const header = (name: string) =>
      (mail?.headerLines.find((h) => h.key === name)?.line ?? '').replace(/\r?\n\s+/g, ' ');
    expect(header('list-unsubscribe')).toMatch(
      /^List-Unsubscribe: <http:\/\/127\.0\.0\.1:3000\/unsubscribe\?token=v1\./,
    );
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  });

  it('DKIM signs marketing mail, List-Unsubscribe-Post included, and the signature verifies', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const selector = 'omni';
    const signed = pipeline({
      adapters: [
        createEmailAdapter({
          smtpUrl: smtp.url,
          from: 'Shop <shop@example.test>',
          messageIdDomain: 'example.test',
          dkim: {
            domainName: 'example.test',
            keySelector: selector,
            privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
          },
        }),
      ],
    });
    const id = await customer({ email: 'dkim@example.test', name: 'Dee' });
    expect(await signed.deliver(request(id))).toMatchObject({ status: 'sent' });
    const index = smtp.messages.findIndex((m) => JSON.stringify(m.to).includes('dkim@example.test'));
    const raw = smtp.raw[index]!;
    // DNS cannot be reached offline: the resolver answers the selector's TXT record itself.
    const publicDer = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const { results } = await dkimVerify(raw, {
      resolver: async (name, type) => {
        if (type === 'TXT' && name === `${selector}._domainkey.example.test`)
          return [[`v=DKIM1; k=rsa; p=${publicDer}`]];
        throw Object.assign(new Error(`no ${type} for ${name}`), { code: 'ENOTFOUND' });
      },
    });
    expect(results).toHaveLength(1);
    expect(results[0]?.status.result).toBe('pass');
    const signature = raw.toString().match(/^DKIM-Signature:(.*(?:\r?\n[ \t].*)*)/m)?.[1] ?? '';
    const signedHeaders = /\bh=([^;]+)/.exec(signature.replace(/\s+/g, ''))?.[1]?.toLowerCase().split(':');
    expect(signedHeaders).toEqual(
      expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post', 'from']),
    );

    // Tampering with the signed one-click header breaks the signature.
    const tampered = Buffer.from(
      raw.toString().replace('List-Unsubscribe=One-Click', 'List-Unsubscribe=Two-Click'),
    );
    const again = await dkimVerify(tampered, {
      resolver: async () => [[`v=DKIM1; k=rsa; p=${publicDer}`]],
    });
    expect(again.results[0]?.status.result).toBe('fail');
  });

  it('200 concurrent sends for one customer under a cap of 1 a day: exactly 1 delivered, 199 capped with the reason — 20 times', async () => {
    const capped = pipeline({ caps: [{ id: 'one-per-day', max: 1, windowMs: 86_400_000 }] });
    for (let round = 0; round < 20; round++) {
      const email = `cap-${round}-${randomUUID()}@example.test`;
      const id = await customer({ email });
      const outcomes = await Promise.all(Array.from({ length: 200 }, () => capped.deliver(request(id))));
      expect(
        outcomes.filter((o) => o.status === 'sent'),
        `round ${round}`,
      ).toHaveLength(1);
      const skipped = outcomes.filter((o) => o.status === 'skipped');
      expect(skipped).toHaveLength(199);
      expect(
        skipped.every(
          (o) =>
            o.reason === 'no channel allowed: email: cap one-per-day (1 per 24 h)' ||
            o.reason === 'email: cap one-per-day (1 per 24 h)',
        ),
      ).toBe(true);
      const rows = await database.db.select().from(deliveries).where(eq(deliveries.customerId, id));
      expect(rows.filter((r) => r.status === 'sent')).toHaveLength(1);
      expect(rows.filter((r) => r.status === 'skipped')).toHaveLength(199);
      expect(smtp.messages.filter((m) => JSON.stringify(m.to).includes(email))).toHaveLength(1);
    }
  }, 240_000);

  it('a step retried after two transient SMTP failures, and after a crash before the provider call: one message', async () => {
    const id = await customer({ email: 'retry@example.test' });
    const r = request(id);
    smtp.failNext(2, 451);
    const attempts: string[] = [];
    let outcome;
    for (let attempt = 0; attempt < 5 && !outcome; attempt++) {
      outcome = await pipeline()
        .deliver(r)
        .catch((error: ChannelFailure) => void attempts.push(error.kind));
    }
    expect(attempts).toEqual(['transient', 'transient']);
    expect(outcome).toMatchObject({ status: 'sent', channel: 'email' });
    expect(await pipeline().deliver(r)).toMatchObject({ status: 'sent' }); // a replayed step changes nothing
    expect(smtp.messages.filter((m) => JSON.stringify(m.to).includes('retry@example.test'))).toHaveLength(1);

    // The process died right after reserving: the retry finds the reservation and sends once.
    const crashed = request(id, { intentKey: 'after-crash' });
    await database.db.insert(deliveries).values({
      dedupKey: crashed.dedupKey,
      customerId: id,
      channel: 'email',
      category: 'marketing',
      status: 'reserved',
      intentKey: 'after-crash',
    });
    expect(await pipeline().deliver(crashed)).toMatchObject({ status: 'sent' });
    expect(await pipeline().deliver(crashed)).toMatchObject({ status: 'sent' });
    expect(smtp.messages.filter((m) => JSON.stringify(m.to).includes('retry@example.test'))).toHaveLength(2);
  });

  it('at the window "provider accepted, process died": email resends with the same Message-ID, SMS does not resend', async () => {
    const id = await customer({
      email: 'window@example.test',
      phone: '+14155550142',
      consent: { sms: 'subscribed' },
    });
    // The real adapters, each "dying" once its peer has accepted: the ledger is left as a SIGKILL leaves it.
    const smsAdapter = createSmsAdapter({
      accountSid: twilio.accountSid,
      authToken: twilio.authToken,
      from: '+15005550006',
      apiBaseUrl: twilio.url,
    });
    const dyingEmail = diesAfterProviderAccepts(emailAdapterFor(smtp.url));
    const dyingSms = diesAfterProviderAccepts(smsAdapter);
    const crashed = pipeline({ adapters: [dyingEmail.adapter, dyingSms.adapter] });
    const retried = pipeline({ adapters: [emailAdapterFor(smtp.url), smsAdapter] });
    const rowOf = async (dedupKey: string) =>
      (await database.db.select().from(deliveries).where(eq(deliveries.dedupKey, dedupKey)))[0];

    const emailStep = request(id, { intentKey: 'w-email' });
    void crashed.deliver(emailStep);
    await dyingEmail.accepted;
    expect((await rowOf(emailStep.dedupKey))?.status).toBe('reserved');
    expect(await retried.deliver(emailStep)).toMatchObject({ status: 'sent' });
    const mails = smtp.messages.filter((m) => JSON.stringify(m.to).includes('window@example.test'));
    expect(mails).toHaveLength(2);
    expect(mails[1]?.messageId).toBe(mails[0]?.messageId);
    expect(mails[0]?.messageId).toBe(
      `<${Buffer.from(emailStep.dedupKey).toString('base64url')}@example.test>`,
    );

    const smsStep = request(id, { intentKey: 'w-sms', channels: ['sms'], template: 'cart-incentive' });
    void crashed.deliver(smsStep);
    await dyingSms.accepted;
    const outcome = await retried.deliver(smsStep);
    expect(twilio.messages.filter((m) => m.To === '+14155550142')).toHaveLength(1); // the first copy only
    expect(outcome.status).toBe('skipped');
    expect(outcome.reason).toContain('not resent (at-most-once)');
    expect(twilio.contractViolations).toEqual([]);
    expect((await rowOf(smsStep.dedupKey))?.status).toBe('failed');
    expect(await retried.deliver(smsStep)).toMatchObject({ status: 'skipped' });
    expect(twilio.messages.filter((m) => m.To === '+14155550142')).toHaveLength(1);
  });

  it('ordered fallback: no push subscription → email; email unsubscribed → SMS if consented; nothing reachable → skipped with the reason', async () => {
    const a = await customer({ email: 'fallback@example.test' });
    expect(await pipeline().deliver(request(a, { channels: ['push', 'email'] }))).toMatchObject({
      status: 'sent',
      channel: 'email',
    });
    const [row] = await database.db
      .select()
      .from(deliveries)
      .where(and(eq(deliveries.customerId, a), eq(deliveries.status, 'sent')));
    expect(row?.reason).toBe('fell back: push: no push subscription');

    const b = await customer({
      email: 'gone@example.test',
      phone: '+14155550143',
      consent: { email: 'unsubscribed', sms: 'subscribed' },
    });
    expect(
      await pipeline().deliver(request(b, { channels: ['email', 'sms'], template: 'cart-incentive' })),
    ).toMatchObject({ status: 'sent', channel: 'sms' });

    const c = await customer({ phone: '+14155550144' }); // no email, SMS never consented
    const outcome = await pipeline().deliver(
      request(c, { channels: ['push', 'email', 'sms'], template: 'cart-incentive' }),
    );
    expect(outcome).toEqual({
      status: 'skipped',
      reason:
        'no channel allowed: push: no push subscription; email: no reachable email address; sms: no SMS consent',
    });

    // A bounce (550) marks the address unreachable and falls back to the next channel.
    const d = await customer({
      email: 'bounces@example.test',
      phone: '+14155550145',
      consent: { sms: true },
    });
    smtp.failNext(1, 550);
    expect(
      await pipeline().deliver(request(d, { channels: ['email', 'sms'], template: 'cart-incentive' })),
    ).toMatchObject({ status: 'sent', channel: 'sms' });
    expect(
      await pipeline().deliver(request(d, { channels: ['email'], template: 'cart-incentive' })),
    ).toMatchObject({
      status: 'skipped',
      reason: 'no channel allowed: email: no reachable email address',
    });
  });

  it('quiet hours: at 23:00 customer time, defer until 09:00 (+jitter) or skip', async () => {
    const id = await customer({ email: 'night@example.test' }, { timezone: 'Europe/Paris' });
    const lateNight = pipeline({ now: () => new Date('2026-11-20T22:00:00Z') });
    const deferred = await lateNight.deliver(request(id));
    expect(deferred.status).toBe('deferred');
    const until = Date.parse(deferred.until!);
    expect(until).toBeGreaterThanOrEqual(Date.parse('2026-11-21T08:00:00Z'));
    expect(until).toBeLessThan(Date.parse('2026-11-21T08:30:00Z'));
    expect(await lateNight.deliver(request(id, { quietHours: 'skip' }))).toMatchObject({
      status: 'skipped',
      reason: 'quiet hours 21:00–09:00 Europe/Paris',
    });
    expect(await lateNight.deliver(request(id, { category: 'transactional' }))).toMatchObject({
      status: 'sent',
    });
  });

  it('two journeys sending the same intent within its window: one message', async () => {
    const id = await customer({ email: 'intent@example.test' });
    const first = await pipeline().deliver(
      request(id, { intentKey: 'spring-sale', journeyId: 'browse-abandonment' }),
    );
    const second = await pipeline().deliver(
      request(id, { intentKey: 'spring-sale', journeyId: 'abandoned-cart' }),
    );
    expect(first.status).toBe('sent');
    expect(second).toMatchObject({
      status: 'skipped',
      reason: 'intent "spring-sale" already sent on email (browse-abandonment)',
    });
    expect(smtp.messages.filter((m) => JSON.stringify(m.to).includes('intent@example.test'))).toHaveLength(1);
  });

  it('after unsubscribe or a 21610 the channel is never used again; a 410 removes the push subscription', async () => {
    const id = await customer({
      email: 'stop@example.test',
      phone: '+14155550146',
      consent: { sms: 'subscribed' },
    });
    sms.failOnce(new ChannelFailure('unsubscribed', 'Twilio 21610: recipient opted out'));
    expect(
      await pipeline().deliver(request(id, { channels: ['sms', 'email'], template: 'cart-incentive' })),
    ).toMatchObject({ status: 'sent', channel: 'email' });
    const before = sms.sent.length;
    expect(
      await pipeline().deliver(request(id, { channels: ['sms'], template: 'cart-incentive' })),
    ).toMatchObject({ status: 'skipped', reason: 'no channel allowed: sms: sms unsubscribed' });
    expect(sms.sent.length).toBe(before);

    await database.db.insert(pushSubscriptions).values({
      customerId: id,
      endpoint: `https://fcm.googleapis.com/fcm/send/${id}`,
      p256dh: 'k',
      auth: 'a',
    });
    push.failOnce(new ChannelFailure('unreachable', 'push service answered 410 Gone'));
    expect(await pipeline().deliver(request(id, { channels: ['push'], intentKey: 'p1' }))).toMatchObject({
      status: 'skipped',
      channel: 'push',
    });
    expect(
      await database.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.customerId, id)),
    ).toEqual([]);
    expect(await pipeline().deliver(request(id, { channels: ['push'], intentKey: 'p2' }))).toMatchObject({
      reason: 'no channel allowed: push: no push subscription',
    });
  });
});
