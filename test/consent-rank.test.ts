import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import twilio from 'twilio';
import { beforeAll, describe, expect, it } from 'vitest';
import { consents, identities } from '../db/schema.js';
import { createUnsubscribeToken } from '../customers/unsubscribe-token.js';
import { postJson, useApiWithDatabase, type TestApi } from './helpers/api.js';
import type { TestDatabase } from './helpers/test-database.js';

const future = '9999-01-01T00:00:00Z';

describe('consent ranked by source, through the API', () => {
  const context = useApiWithDatabase();
  let database: TestDatabase;
  let api: TestApi;
  beforeAll(() => void ({ database, api } = context));

  const identify = async (body: Record<string, unknown>) => {
    const response = await postJson(api, '/v1/identify', { messageId: randomUUID(), ...body });
    expect(response.status).toBe(200);
  };
  const customerIdOf = async (kind: 'user_id' | 'phone' | 'anonymous_id', value: string) => {
    const [row] = await database.db
      .select()
      .from(identities)
      .where(and(eq(identities.kind, kind), eq(identities.value, value)));
    return row!.customerId;
  };
  const consentOf = async (customerId: string, channel: 'email' | 'sms') => {
    const [row] = await database.db
      .select()
      .from(consents)
      .where(and(eq(consents.customerId, customerId), eq(consents.channel, channel)));
    return row && { status: row.status, source: row.source };
  };
  const oneClick = (customerId: string) =>
    fetch(
      `${api.url}/unsubscribe?token=${encodeURIComponent(
        createUnsubscribeToken(api.secrets.unsubscribeSecret, { customerId, channel: 'email' }),
      )}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      },
    );
  const adminSet = (userId: string, channel: string, status: string) =>
    fetch(`${api.url}/admin/customers/userId:${userId}/consents/${channel}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${api.secrets.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status }),
    });
  const twilioInbound = (from: string, body: string) => {
    const path = '/webhooks/twilio/inbound';
    const params = { From: from, To: '+15005550006', Body: body, MessageSid: `SM${randomUUID()}` };
    return fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(
          api.secrets.twilioAuthToken!,
          `${api.url}${path}`,
          params,
        ),
      },
      body: new URLSearchParams(params).toString(),
    });
  };

  it("a future-dated identify cannot outlast the customer's unsubscribe; identify cannot overrule an admin", async () => {
    await identify({ userId: 'ranked', traits: { consent: { email: 'subscribed' } }, timestamp: future });
    const customerId = await customerIdOf('user_id', 'ranked');
    expect(await consentOf(customerId, 'email')).toEqual({ status: 'subscribed', source: 'identify' });

    expect((await oneClick(customerId)).status).toBe(200);
    expect(await consentOf(customerId, 'email')).toEqual({ status: 'unsubscribed', source: 'one-click' });

    await identify({ userId: 'ranked', traits: { consent: { email: true } } });
    await identify({ userId: 'ranked', traits: { consent: { email: true } }, timestamp: future });
    expect(await consentOf(customerId, 'email')).toEqual({ status: 'unsubscribed', source: 'one-click' });

    // Between an admin and the customer the newer decision wins.
    const subscribe = await adminSet('ranked', 'email', 'subscribed');
    expect(subscribe.status).toBe(200);
    expect(await subscribe.json()).toEqual({ success: true });
    expect(await consentOf(customerId, 'email')).toEqual({ status: 'subscribed', source: 'admin' });

    expect((await adminSet('ranked', 'email', 'unsubscribed')).status).toBe(200);
    await identify({ userId: 'ranked', traits: { consent: { email: 'subscribed' } }, timestamp: future });
    expect(await consentOf(customerId, 'email')).toEqual({ status: 'unsubscribed', source: 'admin' });
  });

  it('an opt-out carried by identify is never ignored, even over an admin subscribe', async () => {
    await identify({ userId: 'opting-out', traits: { consent: { email: 'subscribed' } } });
    expect((await adminSet('opting-out', 'email', 'subscribed')).status).toBe(200);
    const customerId = await customerIdOf('user_id', 'opting-out');
    // The shop's own preference centre reports the opt-out through identify, a moment later.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await identify({ userId: 'opting-out', traits: { consent: { email: 'unsubscribed' } } });
    expect(await consentOf(customerId, 'email')).toEqual({ status: 'unsubscribed', source: 'identify' });
  });

  it('an admin decision overruled by a later one of the same rank answers 409 and names it', async () => {
    await identify({ userId: 'skewed', traits: { consent: { email: 'subscribed' } } });
    const customerId = await customerIdOf('user_id', 'skewed');
    // Another server's clock far ahead: the customer's unsubscribe is dated in the future.
    await database.db
      .update(consents)
      .set({ status: 'unsubscribed', source: 'one-click', updatedAt: new Date(future) })
      .where(and(eq(consents.customerId, customerId), eq(consents.channel, 'email')));

    const response = await adminSet('skewed', 'email', 'subscribed');
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({
      success: false,
      error: 'overruled by one-click at 9999-01-01T00:00:00.000Z',
      overruledBy: { source: 'one-click', status: 'unsubscribed', at: '9999-01-01T00:00:00.000Z' },
    });
    expect(await consentOf(customerId, 'email')).toEqual({ status: 'unsubscribed', source: 'one-click' });
  });

  it("the one-click unsubscribe lands even over a later decision of the customer's own rank", async () => {
    await identify({ userId: 'late-admin', traits: { consent: { email: 'unsubscribed' } } });
    const customerId = await customerIdOf('user_id', 'late-admin');
    await database.db
      .update(consents)
      .set({ status: 'subscribed', source: 'admin', updatedAt: new Date(future) })
      .where(and(eq(consents.customerId, customerId), eq(consents.channel, 'email')));
    expect((await oneClick(customerId)).status).toBe(200);
    expect(await consentOf(customerId, 'email')).toEqual({ status: 'unsubscribed', source: 'one-click' });
  });

  it('SMS STOP beats a future-dated identify, and an identify cannot undo it; START can', async () => {
    const phone = '+14155550199';
    await identify({
      userId: 'texter',
      traits: { phone, consent: { sms: 'subscribed' } },
      timestamp: future,
    });
    const customerId = await customerIdOf('phone', phone);
    expect((await twilioInbound(phone, 'STOP')).status).toBe(200);
    expect(await consentOf(customerId, 'sms')).toEqual({
      status: 'unsubscribed',
      source: 'sms-keyword:STOP',
    });
    await identify({ userId: 'texter', traits: { consent: { sms: true } }, timestamp: future });
    expect(await consentOf(customerId, 'sms')).toMatchObject({ status: 'unsubscribed' });
    await new Promise((resolve) => setTimeout(resolve, 5)); // the START is a later decision
    expect((await twilioInbound(phone, 'START')).status).toBe(200);
    expect(await consentOf(customerId, 'sms')).toEqual({ status: 'subscribed', source: 'sms-keyword:START' });
  });

  it("a merge keeps the customer's unsubscribe over another profile's future-dated identify", async () => {
    const anonymousId = `anon-${randomUUID()}`;
    await identify({ anonymousId, traits: { consent: { email: 'subscribed' } }, timestamp: future });
    await identify({ userId: 'merged', traits: { consent: { email: 'subscribed' } } });
    const known = await customerIdOf('user_id', 'merged');
    expect((await oneClick(known)).status).toBe(200);

    await identify({ anonymousId, userId: 'merged' });
    const survivor = await customerIdOf('user_id', 'merged');
    expect(await consentOf(survivor, 'email')).toEqual({ status: 'unsubscribed', source: 'one-click' });
  });

  it('a merge of three profiles keeps one decision per channel, the strongest', async () => {
    const [first, second] = [`anon-${randomUUID()}`, `anon-${randomUUID()}`];
    await identify({ userId: 'tri', traits: { name: 'Tri' } });
    await identify({ anonymousId: first, traits: { consent: { email: true } }, timestamp: future });
    await identify({ anonymousId: second, traits: { email: 'tri@example.com', consent: { email: false } } });
    await identify({ userId: 'tri', anonymousId: first, traits: { email: 'tri@example.com' } });
    const survivor = await customerIdOf('user_id', 'tri');
    expect(await customerIdOf('anonymous_id', first)).toBe(survivor);
    expect(await customerIdOf('anonymous_id', second)).toBe(survivor);
    // The first device's future date was clamped to its receive time, so the second's opt-out is newer.
    expect(await consentOf(survivor, 'email')).toEqual({ status: 'unsubscribed', source: 'identify' });
  });
});
