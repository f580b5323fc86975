import { afterEach, describe, expect, it } from 'vitest';
import type { customers, pushSubscriptions } from '../db/schema.js';
import { knownPushHosts } from '../domain/push-endpoint.js';
import { contactOf } from './customer-contact.js';
import { allowPushPeer, configurePushHosts } from './push-endpoints.js';

/** The send-time push filter: which stored subscriptions are recipients (no database: rows in memory). */
const customer = {
  id: 'c1',
  traits: {},
  timeZone: null,
  orderCount: 0,
  lifetimeValue: 0,
  lastOrder: null,
  cart: null,
} as unknown as typeof customers.$inferSelect;
const subscription = (endpoint: string, expiresAt: Date | null = null) =>
  ({ id: 1, customerId: 'c1', endpoint, p256dh: 'k', auth: 'a', expiresAt, createdAt: new Date() }) as const;
const endpointsOf = (rows: (typeof pushSubscriptions.$inferSelect)[]) =>
  contactOf('c1', [[customer], [], [], rows])?.pushSubscriptions.map((s) => s.endpoint);

describe('push recipients at send time', () => {
  afterEach(() => configurePushHosts(knownPushHosts));

  it('keeps known push services and drops local, private, unknown and expired endpoints', () => {
    expect(
      endpointsOf([
        subscription('https://fcm.googleapis.com/fcm/send/a'),
        subscription('https://127.0.0.1:8443/push/b'),
        subscription('https://10.0.0.2/push/c'),
        subscription('https://push.attacker.example/d'),
        subscription('https://web.push.apple.com/e', new Date(Date.now() - 1000)),
      ]),
    ).toEqual(['https://fcm.googleapis.com/fcm/send/a']);
  });

  it('follows the configured hosts, and lets a peer through by its exact origin only while allowed', () => {
    configurePushHosts(['push.example.net']);
    const disallow = allowPushPeer('https://127.0.0.1:8443');
    const rows = [
      subscription('https://fcm.googleapis.com/fcm/send/a'),
      subscription('https://push.example.net/b'),
      subscription('https://127.0.0.1:8443/push/c'),
      subscription('https://127.0.0.1:8444/push/d'),
    ];
    expect(endpointsOf(rows)).toEqual(['https://push.example.net/b', 'https://127.0.0.1:8443/push/c']);
    disallow();
    expect(endpointsOf(rows)).toEqual(['https://push.example.net/b']);
  });
});
