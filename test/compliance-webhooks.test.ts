import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { and, eq } from 'drizzle-orm';
import { pino } from 'pino';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '../api/api-server.js';
import { createUnsubscribeToken } from '../customers/unsubscribe-token.js';
import { consents, identities, twilioInboundMessages } from '../db/schema.js';
import { postJson, startTestApi, type TestApi } from './helpers/api.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

/** One-click unsubscribe in every RFC 8058 encoding; Twilio replays and a proxy's public URL. */
describe('compliance: unsubscribe and SMS keywords through the real API', () => {
  let database: TestDatabase;
  let api: TestApi;
  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startTestApi(database.db);
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });

  const customerWith = async (userId: string, traits: Record<string, unknown>) => {
    const response = await postJson(api, '/v1/identify', { messageId: randomUUID(), userId, traits });
    expect(response.status).toBe(200);
    const [row] = await database.db
      .select()
      .from(identities)
      .where(and(eq(identities.kind, 'user_id'), eq(identities.value, userId)));
    return row!.customerId;
  };
  const consentOf = async (customerId: string, channel: 'sms' | 'email') => {
    const [row] = await database.db
      .select()
      .from(consents)
      .where(and(eq(consents.customerId, customerId), eq(consents.channel, channel)));
    return row?.status;
  };
  const unsubscribeUrl = (customerId: string) =>
    `${api.url}/unsubscribe?token=${encodeURIComponent(
      createUnsubscribeToken(api.secrets.unsubscribeSecret, { customerId, channel: 'email' }),
    )}`;

  it('a one-click POST as multipart/form-data unsubscribes (built by the real FormData and fetch)', async () => {
    const customerId = await customerWith('multipart', {
      email: 'multipart@example.com',
      consent: { email: true },
    });
    const form = new FormData();
    form.append('List-Unsubscribe', 'One-Click');
    const response = await fetch(unsubscribeUrl(customerId), { method: 'POST', body: form });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('You are unsubscribed');
    expect(await consentOf(customerId, 'email')).toBe('unsubscribed');
  });

  it('form-urlencoded still unsubscribes; a broken multipart body is 400 and changes nothing', async () => {
    const customerId = await customerWith('urlencoded', {
      email: 'urlencoded@example.com',
      consent: { email: true },
    });
    const broken = await fetch(unsubscribeUrl(customerId), {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
      body: 'not multipart at all',
    });
    expect(broken.status).toBe(400);
    expect(await consentOf(customerId, 'email')).toBe('subscribed');
    const response = await fetch(unsubscribeUrl(customerId), {
      method: 'POST',
      body: new URLSearchParams({ 'List-Unsubscribe': 'One-Click' }),
    });
    expect(response.status).toBe(200);
    expect(await consentOf(customerId, 'email')).toBe('unsubscribed');
  });

  const signedPost = (base: string, signedFor: string, params: Record<string, string>) =>
    fetch(`${base}/webhooks/twilio/inbound`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(
          api.secrets.twilioAuthToken!,
          `${signedFor}/webhooks/twilio/inbound`,
          params,
        ),
      },
      body: new URLSearchParams(params).toString(),
    });

  it('a captured START replayed after a STOP changes nothing: the customer stays unsubscribed', async () => {
    const phone = '+14155550181';
    const customerId = await customerWith('replay', { phone });
    const sms = (Body: string) => ({
      From: phone,
      To: '+15005550006',
      Body,
      MessageSid: `SM${randomUUID()}`,
    });
    const start = sms('START');
    expect((await signedPost(api.url, api.url, start)).status).toBe(200);
    expect(await consentOf(customerId, 'sms')).toBe('subscribed');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await signedPost(api.url, api.url, sms('STOP'))).status).toBe(200);
    expect(await consentOf(customerId, 'sms')).toBe('unsubscribed');
    await new Promise((resolve) => setTimeout(resolve, 5));

    const replay = await signedPost(api.url, api.url, start);
    expect(replay.status).toBe(200); // Twilio must not retry it
    expect(await consentOf(customerId, 'sms')).toBe('unsubscribed');

    // A START without a MessageSid cannot be told from a replay: it changes nothing either.
    const withoutSid: Record<string, string> = sms('START');
    delete withoutSid.MessageSid;
    expect((await signedPost(api.url, api.url, withoutSid)).status).toBe(200);
    expect(await consentOf(customerId, 'sms')).toBe('unsubscribed');

    // A new START (its own MessageSid) is the customer's new decision.
    expect((await signedPost(api.url, api.url, sms('START'))).status).toBe(200);
    expect(await consentOf(customerId, 'sms')).toBe('subscribed');
  });

  it('remembered MessageSids are pruned after the retention, so the table stays bounded', async () => {
    await database.db
      .insert(twilioInboundMessages)
      .values({ messageSid: 'SMold', receivedAt: new Date(Date.now() - 91 * 86_400_000) });
    await signedPost(api.url, api.url, {
      From: '+14155550182',
      To: '+15005550006',
      Body: 'STOP',
      MessageSid: `SM${randomUUID()}`,
    });
    const old = await database.db
      .select()
      .from(twilioInboundMessages)
      .where(eq(twilioInboundMessages.messageSid, 'SMold'));
    expect(old).toEqual([]);
  });

  it('behind a proxy without PUBLIC_BASE_URL a STOP is refused with the reason, once warned at start; with it, it counts', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()),
    });
    const start = (publicBaseUrl?: string) =>
      startApiServer({
        db: database.db,
        router: { route: async () => undefined },
        secrets: api.secrets,
        logger: pino({ level: 'info' }, sink),
        host: '127.0.0.1',
        port: 0,
        publicBaseUrl,
      });
    const phone = '+14155550183';
    const customerId = await customerWith('proxied', { phone, consent: { sms: 'subscribed' } });
    const stop = { From: phone, To: '+15005550006', Body: 'STOP', MessageSid: `SM${randomUUID()}` };

    const bare = await start();
    try {
      expect(lines.filter((l) => l.includes('PUBLIC_BASE_URL is not set'))).toHaveLength(1);
      const refused = await signedPost(bare.url, 'https://sms.shop.example', stop);
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('PUBLIC_BASE_URL is not set');
      expect(lines.filter((l) => l.includes('Twilio signature refused'))).toHaveLength(1);
      expect(await consentOf(customerId, 'sms')).toBe('subscribed');
    } finally {
      await bare.close();
    }
    const proxied = await start('https://sms.shop.example');
    try {
      expect((await signedPost(proxied.url, 'https://sms.shop.example', stop)).status).toBe(200);
      expect(await consentOf(customerId, 'sms')).toBe('unsubscribed');
    } finally {
      await proxied.close();
    }
  });
});
