import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushSubscriptions } from '../db/schema.js';
import { configurePushHosts } from '../delivery/push-endpoints.js';
import { loadCustomerContact } from '../delivery/customer-contact.js';
import { knownPushHosts } from '../domain/push-endpoint.js';
import { postJson, useApiWithDatabase, type TestApi } from './helpers/api.js';
import { startPushPeer, type PushPeer } from './helpers/push-peer.js';
import type { TestDatabase } from './helpers/test-database.js';

/** Registration refuses endpoints off the allow-list; the send path never picks one stored anyway. */
describe('push endpoints are allow-listed', () => {
  const context = useApiWithDatabase();
  let database: TestDatabase;
  let api: TestApi;
  let peer: PushPeer;
  beforeAll(async () => {
    ({ database, api } = context);
    peer = await startPushPeer();
  });
  afterAll(async () => {
    configurePushHosts(knownPushHosts);
    await peer.close();
  });

  const keys = { p256dh: 'BKey', auth: 'secret' };
  const register = (endpoint: string, anonymousId = `browser-${endpoint.length}-${Math.random()}`) =>
    postJson(api, '/v1/push/subscriptions', { anonymousId, subscription: { endpoint, keys } });
  const stored = async (endpoint: string) =>
    (await database.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.endpoint, endpoint)))
      .length;

  it.each([
    ['http', 'http://fcm.googleapis.com/fcm/send/a', /subscription\.endpoint/],
    ['loopback', 'https://127.0.0.1:9/push/a', /subscription\.endpoint: is a loopback address/],
    ['loopback written as a number', 'https://2130706433/push/a', /is a loopback address \(127\.0\.0\.1\)/],
    ['localhost', 'https://localhost/push/a', /is a loopback address/],
    ['private', 'https://10.0.0.7/push/a', /subscription\.endpoint: is a private address/],
    ['private 192.168', 'https://192.168.1.20/push/a', /is a private address/],
    ['metadata', 'https://169.254.169.254/latest/meta-data', /is a link-local address/],
    ['IPv6 loopback', 'https://[::1]/push/a', /is a loopback address/],
    ['IPv6 unique local', 'https://[fd00::5]/push/a', /is a unique local \(private\) address/],
    [
      'unknown host',
      'https://push.attacker.example/a',
      /host push\.attacker\.example is not a known push service/,
    ],
  ])('refuses %s with 400 naming subscription.endpoint', async (_, endpoint, why) => {
    const response = await register(endpoint);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(why);
    expect(await stored(endpoint)).toBe(0);
  });

  it('accepts the known push services', async () => {
    for (const endpoint of [
      'https://fcm.googleapis.com/fcm/send/abc',
      'https://updates.push.services.mozilla.com/wpush/v2/abc',
      'https://web.push.apple.com/abc',
      'https://db5p.notify.windows.com/w/?token=abc',
    ]) {
      expect((await register(endpoint)).status, endpoint).toBe(200);
      expect(await stored(endpoint)).toBe(1);
    }
  });

  it("accepts the tests' push peer on 127.0.0.1 (it allows its own origin), and no other port", async () => {
    const { endpoint } = peer.subscribe();
    expect((await register(endpoint)).status).toBe(200);
    const otherPort = endpoint.replace(/:(\d+)\//, (_, port: string) => `:${Number(port) + 1}/`);
    expect((await register(otherPort)).status).toBe(400);
  });

  it('PUSH_ALLOWED_HOSTS replaces the list, and a stored endpoint off it is no recipient at send time', async () => {
    const endpoint = 'https://fcm.googleapis.com/fcm/send/later-refused';
    const response = await register(endpoint, 'browser-later');
    const { customerId } = (await response.json()) as { customerId: string };
    expect((await loadCustomerContact(database.db, customerId))?.pushSubscriptions).toHaveLength(1);
    configurePushHosts(['push.example.net']);
    try {
      expect((await register('https://fcm.googleapis.com/fcm/send/x')).status).toBe(400);
      expect((await register('https://push.example.net/x')).status).toBe(200);
      expect((await loadCustomerContact(database.db, customerId))?.pushSubscriptions).toEqual([]);
    } finally {
      configurePushHosts(knownPushHosts);
    }
  });
});
