import { describe, expect, it } from 'vitest';
import {
  defaultPushEndpointPolicy,
  hostMatches,
  internalAddressKind,
  pushEndpointRefusal,
} from './push-endpoint.js';

const refusal = (endpoint: string, peers: string[] = []) =>
  pushEndpointRefusal(endpoint, { ...defaultPushEndpointPolicy, peers });

describe('push endpoint policy', () => {
  it('allows the known push services', () => {
    for (const endpoint of [
      'https://fcm.googleapis.com/fcm/send/abc:def',
      'https://updates.push.services.mozilla.com/wpush/v2/gAAA',
      'https://push.services.mozilla.com/wpush/v1/x',
      'https://web.push.apple.com/QGx',
      'https://api.push.apple.com/3/device/x',
      'https://wns2-par02p.notify.windows.com/w/?token=x',
      'https://FCM.googleapis.com./fcm/send/x',
    ])
      expect(refusal(endpoint), endpoint).toBeUndefined();
  });

  it('refuses unknown hosts, look-alikes and the bare wildcard domain', () => {
    expect(refusal('https://evil.example.com/push')).toMatch(
      /host evil\.example\.com is not a known push service/,
    );
    expect(refusal('https://fcm.googleapis.com.evil.example/x')).toMatch(/not a known push service/);
    expect(refusal('https://evilpush.apple.com/x')).toMatch(/not a known push service/);
    expect(refusal('https://push.apple.com/x')).toMatch(/not a known push service/);
    expect(refusal('https://8.8.8.8/x')).toMatch(/is an IP address/);
  });

  it('refuses http and what is not a URL', () => {
    expect(refusal('http://fcm.googleapis.com/fcm/send/x')).toBe('must be an https URL');
    expect(refusal('not a url')).toBe('is not a URL');
  });

  it('refuses loopback, private and link-local addresses, however they are written', () => {
    for (const [endpoint, kind] of [
      ['https://127.0.0.1:8443/push/x', 'loopback'],
      ['https://127.1.2.3/x', 'loopback'],
      ['https://2130706433/x', 'loopback'],
      ['https://0x7f.1/x', 'loopback'],
      ['https://localhost/x', 'loopback'],
      ['https://10.1.2.3/x', 'private'],
      ['https://172.16.0.1/x', 'private'],
      ['https://172.31.255.255/x', 'private'],
      ['https://192.168.1.1/x', 'private'],
      ['https://169.254.169.254/latest/meta-data', 'link-local'],
      ['https://[::1]/x', 'loopback'],
      ['https://[fc00::1]/x', 'unique local'],
      ['https://[fd12:3456::1]/x', 'unique local'],
      ['https://[fe80::1]/x', 'link-local'],
      ['https://[::ffff:127.0.0.1]/x', 'loopback'],
      ['https://[::ffff:10.0.0.1]/x', 'private'],
    ] as const)
      expect(refusal(endpoint), endpoint).toMatch(new RegExp(`is a ${kind}`));
    expect(internalAddressKind('172.32.0.1')).toBeUndefined();
    expect(internalAddressKind('11.0.0.1')).toBeUndefined();
    expect(internalAddressKind('192.169.0.1')).toBeUndefined();
  });

  it('allows a loopback peer only by its exact origin', () => {
    expect(refusal('https://127.0.0.1:8443/push/x', ['https://127.0.0.1:8443'])).toBeUndefined();
    expect(refusal('https://127.0.0.1:8444/push/x', ['https://127.0.0.1:8443'])).toMatch(/loopback/);
    expect(refusal('http://127.0.0.1:8443/push/x', ['https://127.0.0.1:8443'])).toBe('must be an https URL');
  });

  it('takes configured hosts instead of the defaults', () => {
    const policy = { hosts: ['push.example.net', '*.corp.example'], peers: [] };
    expect(pushEndpointRefusal('https://push.example.net/x', policy)).toBeUndefined();
    expect(pushEndpointRefusal('https://a.b.corp.example/x', policy)).toBeUndefined();
    expect(pushEndpointRefusal('https://fcm.googleapis.com/x', policy)).toMatch(/not a known push service/);
    expect(hostMatches('*.push.apple.com', 'web.push.apple.com')).toBe(true);
  });
});
