import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestMessage } from '../customers/ingest-message.js';
import { consents, pushSubscriptions } from '../db/schema.js';
import { createPushAdapter } from '../delivery/channels/push.js';
import { createSmsAdapter } from '../delivery/channels/sms.js';
import { createWebhookAdapter, signatureHeader, verifyWebhook } from '../delivery/channels/webhook.js';
import type { DeliveryRequest } from '../delivery/delivery-request.js';
import { createDeliveryPipeline } from '../delivery/delivery-pipeline.js';
import type { SegmentMessage } from '../domain/segment-message.js';
import { templates } from '../journeys/templates.js';
import { diesAfterProviderAccepts } from './helpers/crash-window.js';
import { startPushPeer, type PushPeer } from './helpers/push-peer.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { startTwilioPeer, type TwilioPeer } from './helpers/twilio-peer.js';
import { deliveryRequest } from './helpers/delivery-request.js';

/** SMS, push and webhook end to end, each read at a real local peer. */
describe('channel adapters against real local peers', () => {
  let database: TestDatabase;
  let twilioPeer: TwilioPeer;
  let pushPeer: PushPeer;
  let webhookPeer: http.Server;
  let webhookUrl: string;
  const webhookSecret = 'w'.repeat(40);
  const webhookCalls: { body: string; signature: string; idempotencyKey: string }[] = [];
  const vapid = { subject: 'mailto:ops@example.test', publicKey: '', privateKey: '' };

  beforeAll(async () => {
    [database, twilioPeer, pushPeer] = await Promise.all([
      createTestDatabase(),
      startTwilioPeer(),
      startPushPeer(),
    ]);
    const keys = (await import('web-push')).default.generateVAPIDKeys();
    vapid.publicKey = keys.publicKey;
    vapid.privateKey = keys.privateKey;
    webhookPeer = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        webhookCalls.push({
          body,
          signature: String(req.headers[signatureHeader]),
          idempotencyKey: String(req.headers['idempotency-key']),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => webhookPeer.listen(0, '127.0.0.1', resolve));
    const address = webhookPeer.address();
    webhookUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hooks/omnijourney`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => webhookPeer?.close(() => resolve()));
    await pushPeer?.close();
    await twilioPeer?.close();
    await database?.drop();
  });

  const pipeline = () =>
    createDeliveryPipeline({
      db: database.db,
      adapters: [
        createSmsAdapter({
          accountSid: twilioPeer.accountSid,
          authToken: twilioPeer.authToken,
          from: '+15005550006',
          statusCallbackUrl: 'http://127.0.0.1:3000/webhooks/twilio/status',
          apiBaseUrl: twilioPeer.url,
        }),
        createPushAdapter({ vapid, agent: pushPeer.agent }),
        createWebhookAdapter({ url: webhookUrl, secret: webhookSecret }),
      ],
      templates,
      logger: pino({ level: 'silent' }),
      now: () => new Date('2026-11-20T12:00:00Z'),
    });

  const customer = async (traits: Record<string, unknown>) => {
    const userId = `u-${randomUUID()}`;
    const identify = {
      type: 'identify',
      userId,
      traits,
      context: { timezone: 'UTC' },
      messageId: randomUUID(),
    } as SegmentMessage;
    const stored = await ingestMessage(database.db, identify, { receivedAt: new Date() });
    const add = {
      type: 'track',
      userId,
      event: 'Product Added',
      properties: { product_id: 'lamp', name: 'Lamp' },
      messageId: randomUUID(),
    } as SegmentMessage;
    await ingestMessage(database.db, add, { receivedAt: new Date() });
    if (stored.outcome !== 'stored') throw new Error('not stored');
    return stored.customer.id;
  };
  const request = (customerId: string, channels: DeliveryRequest['channels'], template: string) =>
    deliveryRequest(customerId, {
      dedupKey: `journey/t/${customerId}/${randomUUID()}/step`,
      workflowId: 'w',
      stepId: 'step',
      template,
      channels,
      quietHours: 'skip',
    });

  it('SMS: the Twilio peer gets To and Body, and every request matches Twilio’s OpenAPI description', async () => {
    const id = await customer({ phone: '+14155550101', name: 'Sam', consent: { sms: 'subscribed' } });
    const outcome = await pipeline().deliver(request(id, ['sms'], 'cart-incentive'));
    expect(outcome).toMatchObject({
      status: 'sent',
      channel: 'sms',
      providerMessageId: expect.stringMatching(/^SM/),
    });
    expect(twilioPeer.messages.at(-1)).toMatchObject({
      To: '+14155550101',
      From: '+15005550006',
      Body: 'Sam, 10% off your cart with code CART10 today. Reply STOP to opt out.',
      StatusCallback: 'http://127.0.0.1:3000/webhooks/twilio/status',
    });
    expect(twilioPeer.contractViolations).toEqual([]);
  });

  it('SMS: 21610 from Twilio unsubscribes the customer; a 503 is retried', async () => {
    const id = await customer({ phone: '+14155550102', consent: { sms: 'subscribed' } });
    twilioPeer.optedOut.add('+14155550102');
    const outcome = await pipeline().deliver(request(id, ['sms'], 'cart-incentive'));
    expect(outcome).toMatchObject({ status: 'skipped', channel: 'sms' });
    const [consent] = await database.db.select().from(consents).where(eq(consents.customerId, id));
    expect(consent).toMatchObject({ channel: 'sms', status: 'unsubscribed', source: 'provider:sms' });

    const other = await customer({ phone: '+14155550103', consent: { sms: 'subscribed' } });
    const r = request(other, ['sms'], 'cart-incentive');
    twilioPeer.failNext(1, 503);
    await expect(pipeline().deliver(r)).rejects.toMatchObject({ kind: 'transient' });
    expect(await pipeline().deliver(r)).toMatchObject({ status: 'sent' });
    expect(twilioPeer.messages.filter((m) => m.To === '+14155550103')).toHaveLength(1);
  });

  it('push: the push service decrypts title, body and url; TTL, urgency and topic are set', async () => {
    const id = await customer({});
    const subscription = pushPeer.subscribe();
    await database.db
      .insert(pushSubscriptions)
      .values({ customerId: id, endpoint: subscription.endpoint, ...subscription.keys });
    const outcome = await pipeline().deliver(request(id, ['push', 'email'], 'cart-reminder'));
    expect(outcome).toMatchObject({ status: 'sent', channel: 'push' });
    const got = pushPeer.received.find((r) => r.endpoint === subscription.endpoint);
    expect(got?.payload).toEqual({
      title: 'Still thinking it over?',
      body: 'Your cart is waiting: Lamp',
      url: 'https://shop.invalid/cart',
    });
    expect(got?.headers).toMatchObject({ ttl: '86400', urgency: 'normal' });
  });

  it('push at the crash window: a resend of one step carries its Topic, another step another Topic', async () => {
    const id = await customer({});
    const subscription = pushPeer.subscribe();
    await database.db
      .insert(pushSubscriptions)
      .values({ customerId: id, endpoint: subscription.endpoint, ...subscription.keys });
    const dying = diesAfterProviderAccepts(createPushAdapter({ vapid, agent: pushPeer.agent }));
    const crashed = createDeliveryPipeline({
      db: database.db,
      adapters: [dying.adapter],
      templates,
      logger: pino({ level: 'silent' }),
      now: () => new Date('2026-11-20T12:00:00Z'),
    });
    const step = request(id, ['push'], 'cart-reminder');
    void crashed.deliver(step); // the push service accepted, then the process "died"
    await dying.accepted;
    expect(await pipeline().deliver(step)).toMatchObject({ status: 'sent', channel: 'push' });
    const next = { ...request(id, ['push'], 'cart-reminder'), stepId: 'step-2' };
    expect(await pipeline().deliver(next)).toMatchObject({ status: 'sent', channel: 'push' });

    const topics = pushPeer.received
      .filter((r) => r.endpoint === subscription.endpoint)
      .map((r) => r.headers.topic);
    expect(topics).toHaveLength(3);
    expect(topics[1]).toBe(topics[0]); // the service replaces an undelivered copy
    expect(topics[2]).not.toBe(topics[0]);
    // RFC 8030: at most 32 characters of the URL-safe base64 alphabet.
    for (const topic of topics) expect(topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
  });

  it('push: a 410 removes the subscription and the channel is not used again', async () => {
    const id = await customer({});
    const subscription = pushPeer.subscribe();
    await database.db
      .insert(pushSubscriptions)
      .values({ customerId: id, endpoint: subscription.endpoint, ...subscription.keys });
    pushPeer.gone.add(subscription.endpoint);
    expect(await pipeline().deliver(request(id, ['push'], 'cart-reminder'))).toMatchObject({
      status: 'skipped',
      channel: 'push',
    });
    expect(
      await database.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.customerId, id)),
    ).toEqual([]);
    expect(await pipeline().deliver(request(id, ['push'], 'cart-reminder'))).toMatchObject({
      reason: 'no channel allowed: push: no push subscription',
    });
  });

  it('webhook: a signed POST the receiver can verify, with an idempotency key', async () => {
    const id = await customer({});
    const r = request(id, ['webhook'], 'cart-reminder');
    expect(await pipeline().deliver(r)).toMatchObject({ status: 'sent', channel: 'webhook' });
    const call = webhookCalls.at(-1)!;
    expect(call.idempotencyKey).toBe(r.dedupKey);
    expect(verifyWebhook(webhookSecret, call.body, call.signature)).toBe(true);
    expect(verifyWebhook('another-secret-of-enough-length!!', call.body, call.signature)).toBe(false);
    expect(verifyWebhook(webhookSecret, call.body.replace('Lamp', 'Lump'), call.signature)).toBe(false);
    const envelope = JSON.parse(call.body) as { customerId: string; message: string };
    expect(envelope.customerId).toBe(id);
    expect(JSON.parse(envelope.message)).toMatchObject({
      event: 'cart-reminder',
      items: [{ productId: 'lamp', name: 'Lamp', quantity: 1 }],
    });
  });
});
