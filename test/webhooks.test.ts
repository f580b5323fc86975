import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import twilio from 'twilio';
import { beforeAll, describe, expect, it } from 'vitest';
import { consents, deliveries, identities, pushSubscriptions } from '../db/schema.js';
import { createUnsubscribeToken } from '../customers/unsubscribe-token.js';
import { postJson, useApiWithDatabase, type TestApi } from './helpers/api.js';
import type { TestDatabase } from './helpers/test-database.js';

describe('provider webhooks, unsubscribe links and push subscriptions', () => {
  const context = useApiWithDatabase();
  let database: TestDatabase;
  let api: TestApi;
  beforeAll(() => void ({ database, api } = context));

  /** Posts a form exactly as Twilio does, signed with Twilio's own signing function. */
  const twilioPost = (path: string, params: Record<string, string>, token = api.secrets.twilioAuthToken!) =>
    fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(token, `${api.url}${path}`, params),
      },
      body: new URLSearchParams(params).toString(),
    });
  const customerIdOf = async (kind: 'phone' | 'user_id' | 'email', value: string) => {
    const [row] = await database.db
      .select()
      .from(identities)
      .where(and(eq(identities.kind, kind), eq(identities.value, value)));
    return row?.customerId;
  };
  const consentOf = async (customerId: string, channel: 'sms' | 'email' | 'push') => {
    const [row] = await database.db
      .select()
      .from(consents)
      .where(and(eq(consents.customerId, customerId), eq(consents.channel, channel)));
    return row?.status;
  };
  const identify = async (body: Record<string, unknown>) => {
    const response = await postJson(api, '/v1/identify', { messageId: randomUUID(), ...body });
    expect(response.status).toBe(200);
  };

  it('Twilio STOP with a valid signature unsubscribes SMS, START subscribes again; a bad signature changes nothing', async () => {
    await identify({ userId: 'sms-user', traits: { phone: '+14155550123', consent: { sms: 'subscribed' } } });
    const customerId = (await customerIdOf('phone', '+14155550123'))!;
    expect(await consentOf(customerId, 'sms')).toBe('subscribed');
    const inbound = {
      From: '+14155550123',
      To: '+15005550006',
      Body: 'stop',
      MessageSid: `SM${randomUUID().replaceAll('-', '')}`,
    };

    const forged = await fetch(`${api.url}/webhooks/twilio/inbound`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl',
      },
      body: new URLSearchParams(inbound).toString(),
    });
    expect(forged.status).toBe(403);
    const wrongToken = await twilioPost('/webhooks/twilio/inbound', inbound, 'some-other-token');
    expect(wrongToken.status).toBe(403);
    expect(await consentOf(customerId, 'sms')).toBe('subscribed');

    const stop = await twilioPost('/webhooks/twilio/inbound', inbound);
    expect(stop.status).toBe(200);
    expect(stop.headers.get('content-type')).toContain('text/xml');
    expect(await consentOf(customerId, 'sms')).toBe('unsubscribed');

    await new Promise((resolve) => setTimeout(resolve, 5)); // the START is a later decision
    const start = await twilioPost('/webhooks/twilio/inbound', {
      ...inbound,
      Body: 'START',
      MessageSid: 'SM2',
    });
    expect(start.status).toBe(200);
    expect(await consentOf(customerId, 'sms')).toBe('subscribed');
  });

  it('STOP from an unknown number is still recorded', async () => {
    const response = await twilioPost('/webhooks/twilio/inbound', {
      From: '+14155550999',
      To: '+15005550006',
      Body: 'UNSUBSCRIBE',
    });
    expect(response.status).toBe(200);
    const customerId = await customerIdOf('phone', '+14155550999');
    expect(customerId).toBeDefined();
    expect(await consentOf(customerId!, 'sms')).toBe('unsubscribed');
  });

  it('status callbacks update the delivery; 21610 unsubscribes, 30003 marks the number unreachable', async () => {
    await identify({
      userId: 'status-user',
      traits: { phone: '+14155550177', consent: { sms: 'subscribed' } },
    });
    const customerId = (await customerIdOf('phone', '+14155550177'))!;
    for (const [sid, dedup] of [
      ['SMaaa', 'd1'],
      ['SMbbb', 'd2'],
    ]) {
      await database.db.insert(deliveries).values({
        dedupKey: dedup!,
        customerId,
        channel: 'sms',
        category: 'marketing',
        status: 'sent',
        providerMessageId: sid,
      });
    }
    expect(
      (
        await twilioPost('/webhooks/twilio/status', {
          MessageSid: 'SMaaa',
          MessageStatus: 'delivered',
          To: '+14155550177',
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await twilioPost('/webhooks/twilio/status', {
          MessageSid: 'SMbbb',
          MessageStatus: 'undelivered',
          ErrorCode: '30003',
          To: '+14155550177',
        })
      ).status,
    ).toBe(200);
    const rows = await database.db.select().from(deliveries).where(eq(deliveries.customerId, customerId));
    expect(Object.fromEntries(rows.map((r) => [r.providerMessageId, r.status]))).toEqual({
      SMaaa: 'delivered',
      SMbbb: 'failed',
    });
    const [phone] = await database.db.select().from(identities).where(eq(identities.value, '+14155550177'));
    expect(phone?.unreachableReason).toBe('twilio error 30003');

    await database.db.insert(deliveries).values({
      dedupKey: 'd3',
      customerId,
      channel: 'sms',
      category: 'marketing',
      status: 'sent',
      providerMessageId: 'SMccc',
    });
    await twilioPost('/webhooks/twilio/status', {
      MessageSid: 'SMccc',
      MessageStatus: 'failed',
      ErrorCode: '21610',
      To: '+14155550177',
    });
    expect(await consentOf(customerId, 'sms')).toBe('unsubscribed');
  });

  it('one-click unsubscribe: a valid token unsubscribes that channel, idempotently; tampered or moved tokens are refused', async () => {
    await identify({
      userId: 'mail-user',
      traits: { email: 'mail@example.com', consent: { email: true, sms: true } },
    });
    await identify({
      userId: 'other-user',
      traits: { email: 'other@example.com', consent: { email: true } },
    });
    const customerId = (await customerIdOf('user_id', 'mail-user'))!;
    const other = (await customerIdOf('user_id', 'other-user'))!;
    const token = createUnsubscribeToken(api.secrets.unsubscribeSecret, { customerId, channel: 'email' });
    const post = (t: string) =>
      fetch(`${api.url}/unsubscribe?token=${encodeURIComponent(t)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });

    // Tampering: another customer's id or another channel in the payload, a forged signature, another secret.
    const [, payload, signature] = token.split('.');
    const moved = Buffer.from(JSON.stringify({ c: other, ch: 'email' })).toString('base64url');
    const otherChannel = Buffer.from(JSON.stringify({ c: customerId, ch: 'sms' })).toString('base64url');
    for (const bad of [
      `v1.${moved}.${signature}`,
      `v1.${otherChannel}.${signature}`,
      `v1.${payload}.${signature!.slice(0, -2)}AA`,
      createUnsubscribeToken('x'.repeat(64), { customerId: other, channel: 'email' }),
      'garbage',
    ]) {
      expect((await post(bad)).status).toBe(403);
    }
    expect(await consentOf(other, 'email')).toBe('subscribed');
    expect(await consentOf(customerId, 'sms')).toBe('subscribed');

    // GET only shows a confirmation (link scanners must not unsubscribe anyone).
    const page = await fetch(`${api.url}/unsubscribe?token=${encodeURIComponent(token)}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post">');
    expect(await consentOf(customerId, 'email')).toBe('subscribed');

    for (let i = 0; i < 2; i++) {
      const response = await post(token);
      expect(response.status).toBe(200);
      expect(await consentOf(customerId, 'email')).toBe('unsubscribed');
    }
    expect(await consentOf(customerId, 'sms')).toBe('subscribed');
    expect(await consentOf(other, 'email')).toBe('subscribed');
  });

  it('push subscriptions: VAPID key, register (consent + identity), move to a new owner, remove', async () => {
    const key = await fetch(`${api.url}/v1/push/vapid-public-key`);
    expect(await key.json()).toEqual({ publicKey: 'BPublicKeyForTests' });
    const subscription = {
      endpoint: 'https://fcm.googleapis.com/fcm/send/abc',
      expirationTime: null,
      keys: { p256dh: 'BKey', auth: 'secret' },
    };
    const first = await postJson(api, '/v1/push/subscriptions', { anonymousId: 'browser-1', subscription });
    expect(first.status).toBe(200);
    const { customerId } = (await first.json()) as { customerId: string };
    expect(await consentOf(customerId, 'push')).toBe('subscribed');
    expect(await customerIdOf('user_id', 'x')).toBeUndefined();

    const moved = await postJson(api, '/v1/push/subscriptions', { userId: 'new-owner', subscription });
    const { customerId: owner } = (await moved.json()) as { customerId: string };
    const rows = await database.db.select().from(pushSubscriptions);
    expect(rows).toEqual([expect.objectContaining({ customerId: owner, endpoint: subscription.endpoint })]);

    const bad = await postJson(api, '/v1/push/subscriptions', {
      userId: 'u',
      subscription: { endpoint: 'http://insecure', keys: {} },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('subscription.endpoint');

    const removed = await fetch(`${api.url}/v1/push/subscriptions`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/json', 'x-write-key': api.writeKey },
      body: JSON.stringify({ endpoint: subscription.endpoint }),
    });
    expect(removed.status).toBe(200);
    expect(await database.db.select().from(pushSubscriptions)).toEqual([]);
  });

  it('the admin API needs its token and sets consent', async () => {
    expect((await fetch(`${api.url}/admin/customers/userId:mail-user`)).status).toBe(401);
    const response = await fetch(`${api.url}/admin/customers/email:mail@example.com/consents/sms`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${api.secrets.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'unsubscribed' }),
    });
    expect(response.status).toBe(200);
    expect(await consentOf((await customerIdOf('user_id', 'mail-user'))!, 'sms')).toBe('unsubscribed');
    const unknown = await fetch(`${api.url}/admin/customers/email:nobody@example.com`, {
      headers: { authorization: `Bearer ${api.secrets.adminToken}` },
    });
    expect(unknown.status).toBe(404);
  });
});
