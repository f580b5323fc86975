import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, deliveries, events, identities } from '../db/schema.js';
import { createPushAdapter } from '../delivery/channels/push.js';
import { postJson, startTestApi, type TestApi } from './helpers/api.js';
import { ownerOf as ownerOfIdentity } from './helpers/customer-rows.js';
import { deliveryRequest } from './helpers/delivery-request.js';
import { emailPipeline } from './helpers/email-pipeline.js';
import { startPushPeer, type PushPeer } from './helpers/push-peer.js';
import { startSmtpPeer, type SmtpPeer } from './helpers/smtp-peer.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

/**
 * Issue 15, acceptance 2, to the inbox: a public key naming a victim's email and userId, then
 * sending events and registering a push subscription, against the real API, PostgreSQL, the real
 * delivery pipeline, an SMTP server and an HTTPS push service that decrypts.
 */
describe("a client key's claims never reach the victim's inbox or devices", () => {
  let database: TestDatabase;
  let api: TestApi;
  let smtp: SmtpPeer;
  let push: PushPeer;
  const vapid = { subject: 'mailto:ops@example.test', publicKey: '', privateKey: '' };
  beforeAll(async () => {
    [database, smtp, push] = await Promise.all([createTestDatabase(), startSmtpPeer(), startPushPeer()]);
    api = await startTestApi(database.db);
    Object.assign(vapid, (await import('web-push')).default.generateVAPIDKeys());
  });
  afterAll(async () => {
    await api?.close();
    await Promise.all([smtp?.close(), push?.close()]);
    await database?.drop();
  });

  const as = (kind: 'server' | 'client') => ({
    authorization: `Basic ${Buffer.from(`${kind === 'server' ? api.writeKey : api.clientKey}:`).toString('base64')}`,
  });
  const post = async (kind: 'server' | 'client', path: string, body: Record<string, unknown>) => {
    const response = await postJson(api, path, { messageId: randomUUID(), ...body }, as(kind));
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  };
  const pipeline = () =>
    emailPipeline(database.db, smtp.url, {
      otherAdapters: [createPushAdapter({ vapid, agent: push.agent })],
    });
  /** What a journey's send step asks for, for the customer the router was handed. */
  const reminder = (customerId: string) =>
    deliveryRequest(customerId, {
      channels: ['push', 'email'],
      category: 'transactional',
      quietHours: 'skip',
    });
  const snapshot = async (customerId: string) => ({
    profile: (await database.db.select().from(customers).where(eq(customers.id, customerId)))[0],
    identities: (await database.db.select().from(identities).where(eq(identities.customerId, customerId)))
      .map((row) => `${row.kind}:${row.value}`)
      .sort(),
    events: (await database.db.select().from(events).where(eq(events.customerId, customerId))).length,
    deliveries: (await database.db.select().from(deliveries).where(eq(deliveries.customerId, customerId)))
      .length,
  });
  const ownerOf = async (kind: 'user_id' | 'email', value: string) =>
    (await ownerOfIdentity(database.db, kind, value)) ?? '';
  const routedTo = (anonymousId: string) =>
    api.router.calls.findLast((call) => call.event.anonymousId === anonymousId)?.customer.id ?? '';

  it('identify + events + push registration from the attacker: the victim gets nothing of theirs', async () => {
    const id = randomUUID();
    const victim = { userId: `victim-${id}`, email: `victim-${id}@example.com` };
    await post('server', '/v1/identify', {
      userId: victim.userId,
      traits: { email: victim.email, name: 'Vic', consent: { email: 'subscribed', push: 'subscribed' } },
    });
    const victimDevice = push.subscribe();
    await post('server', '/v1/push/subscriptions', { userId: victim.userId, subscription: victimDevice });
    const victimId = await ownerOf('user_id', victim.userId);
    const before = await snapshot(victimId);

    const anonymousId = `attacker-${id}`;
    await post('client', '/v1/identify', {
      anonymousId,
      userId: victim.userId,
      traits: { email: victim.email },
    });
    const attackerDevice = push.subscribe();
    const registered = await post('client', '/v1/push/subscriptions', {
      anonymousId,
      userId: victim.userId,
      subscription: attackerDevice,
    });
    expect(registered.ignored).toEqual([
      { path: 'userId', reason: expect.stringContaining('signed user token') },
    ]);
    await post('client', '/v1/track', {
      anonymousId,
      event: 'Product Added',
      properties: { cart_id: 'c', product_id: 'sku', name: 'Lamp', price: 40 },
    });

    // The victim's profile, identities, events and deliveries are as they were.
    expect(await snapshot(victimId)).toEqual(before);
    const attackerId = routedTo(anonymousId);
    expect(attackerId).not.toBe(victimId);
    expect(registered.customerId).toBe(attackerId);

    // The attacker's journey message: no email goes out at all (the claimed address is no address),
    // the push goes to the attacker's own device.
    const mails = smtp.messages.length;
    expect(await pipeline().deliver(reminder(attackerId))).toMatchObject({ status: 'sent', channel: 'push' });
    const attackerMail = await pipeline().deliver({ ...reminder(attackerId), channels: ['email'] });
    expect(attackerMail).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('no reachable email'),
    });
    expect(smtp.messages.length).toBe(mails);
    expect(push.received.filter((r) => r.endpoint === victimDevice.endpoint)).toEqual([]);

    // The victim's own message reaches the victim's inbox and device only.
    expect(await pipeline().deliver({ ...reminder(victimId), channels: ['email'] })).toMatchObject({
      status: 'sent',
    });
    expect(await pipeline().deliver(reminder(victimId))).toMatchObject({ status: 'sent', channel: 'push' });
    expect(smtp.messages.slice(mails).map((m) => JSON.stringify(m.to))).toEqual([
      expect.stringContaining(victim.email),
    ]);
    expect(push.received.filter((r) => r.endpoint === attackerDevice.endpoint)).toHaveLength(1);
    expect(push.received.filter((r) => r.endpoint === victimDevice.endpoint)).toHaveLength(1);
  });

  it('with a server key the same calls merge: the device joins the victim (it is theirs)', async () => {
    const id = randomUUID();
    const user = { userId: `user-${id}`, email: `user-${id}@example.com` };
    await post('server', '/v1/identify', { userId: user.userId, traits: { email: user.email } });
    const userIdOwner = await ownerOf('user_id', user.userId);
    const anonymousId = `device-${id}`;
    await post('server', '/v1/track', { anonymousId, event: 'Product Viewed' });
    await post('server', '/v1/identify', { anonymousId, traits: { email: user.email } });
    expect(routedTo(anonymousId)).toBe(userIdOwner);
    const device = push.subscribe();
    const registered = await post('server', '/v1/push/subscriptions', { anonymousId, subscription: device });
    expect(registered.customerId).toBe(userIdOwner);
    expect(await pipeline().deliver({ ...reminder(userIdOwner), channels: ['email'] })).toMatchObject({
      status: 'sent',
    });
  });

  it("after a legitimate merge mail goes to the survivor's own address, not one the merge brought in", async () => {
    const id = randomUUID();
    const [own, other] = [`own-${id}@example.com`, `other-${id}@example.com`];
    await post('server', '/v1/identify', { userId: `keep-${id}`, traits: { email: own } });
    // The other profile's address is verified later: newer, but not the survivor's own.
    await post('server', '/v1/identify', { userId: `old-${id}`, traits: { email: other } });
    await post('server', '/v1/alias', { previousId: `old-${id}`, userId: `keep-${id}` });
    const survivor = await ownerOf('user_id', `keep-${id}`);
    expect(await ownerOf('email', other)).toBe(survivor);
    const mails = smtp.messages.length;
    expect(await pipeline().deliver({ ...reminder(survivor), channels: ['email'] })).toMatchObject({
      status: 'sent',
    });
    expect(smtp.messages.slice(mails).map((m) => JSON.stringify(m.to))).toEqual([
      expect.stringContaining(own),
    ]);
  });
});
