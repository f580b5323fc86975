/**
 * Which push endpoints the engine registers and sends to. A subscription's endpoint is a URL the
 * browser (or whoever calls the API) chose, and the worker POSTs to it: left open, that is a way to
 * make the engine call any address, its own network included. So only the known push services are
 * allowed by default, and loopback, private and link-local addresses never, except for peers named
 * by exact origin (the demo's and the tests' push services on 127.0.0.1).
 */

/** The browsers' push services: Chrome (FCM), Firefox (Mozilla autopush), Safari (Apple), Edge (WNS). */
export const knownPushHosts: readonly string[] = [
  'fcm.googleapis.com',
  'updates.push.services.mozilla.com',
  'push.services.mozilla.com',
  '*.push.apple.com',
  '*.notify.windows.com',
];

export interface PushEndpointPolicy {
  /** Host names, or `*.suffix` for any host below `suffix` (PUSH_ALLOWED_HOSTS). */
  hosts: readonly string[];
  /** Exact origins (`https://127.0.0.1:8443`) allowed whatever their address: local test or demo peers. */
  peers: readonly string[];
}

export const defaultPushEndpointPolicy: PushEndpointPolicy = { hosts: knownPushHosts, peers: [] };

/** Whether a host pattern (`fcm.googleapis.com`, `*.push.apple.com`) matches a host name. */
export function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  if (p.startsWith('*.')) return host.endsWith(p.slice(1)) && host.length > p.length - 1;
  return host === p;
}

const ipv4Private: readonly [number, number, string][] = [
  [0x0000_0000, 8, 'this-network'],
  [0x7f00_0000, 8, 'loopback'],
  [0x0a00_0000, 8, 'private'],
  [0xac10_0000, 12, 'private'],
  [0xc0a8_0000, 16, 'private'],
  [0xa9fe_0000, 16, 'link-local'],
  [0x6440_0000, 10, 'shared (carrier-grade NAT)'],
];

function ipv4Kind(address: string): string | undefined {
  const value = address.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
  for (const [base, bits, kind] of ipv4Private) {
    const size = 2 ** (32 - bits);
    if (value >= base && value < base + size) return kind;
  }
  return undefined;
}

function ipv6Kind(address: string): string | undefined {
  const a = address.toLowerCase();
  if (a === '::1') return 'loopback';
  if (a === '::') return 'unspecified';
  // IPv4-mapped (::ffff:7f00:1, as the URL parser writes ::ffff:127.0.0.1): judged as the IPv4 address.
  const dotted = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(a);
  if (dotted) return ipv4Kind(dotted[1] ?? '') ?? 'IPv4-mapped';
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  if (mapped) {
    const [hi, lo] = [parseInt(mapped[1] ?? '0', 16), parseInt(mapped[2] ?? '0', 16)];
    return ipv4Kind(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`) ?? 'IPv4-mapped';
  }
  const first = parseInt(a.split(':')[0] || '0', 16);
  if ((first & 0xfe00) === 0xfc00) return 'unique local (private)';
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  return undefined;
}

/** 4 or 6 for an IP literal as the URL parser writes hosts (dotted quad; IPv6 with a colon), else 0. */
function ipVersion(host: string): 0 | 4 | 6 {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return 4;
  if (/^[0-9a-f:.]+$/i.test(host) && host.includes(':')) return 6;
  return 0;
}

/** `loopback`, `private`, `link-local`… for an address this engine must never call; else undefined. */
export function internalAddressKind(host: string): string | undefined {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare.endsWith('.localhost')) return 'loopback';
  const version = ipVersion(bare);
  if (version === 4) return ipv4Kind(bare);
  if (version === 6) return ipv6Kind(bare);
  return undefined;
}

/**
 * Why the engine must not register or send to this endpoint, or undefined when it may. Pure: the
 * registration route and the delivery's recipient both ask it.
 */
export function pushEndpointRefusal(endpoint: string, policy: PushEndpointPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:') return 'must be an https URL';
  if (policy.peers.includes(url.origin)) return undefined;
  // The URL parser has already turned 0x7f.1, 2130706433 and the like into 127.0.0.1.
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const internal = internalAddressKind(host);
  if (internal) return `is a ${internal} address (${host}); push services are on the public internet`;
  if (ipVersion(host.replace(/^\[|\]$/g, '')) !== 0)
    return `is an IP address (${host}), not a known push service host (PUSH_ALLOWED_HOSTS)`;
  if (!policy.hosts.some((pattern) => hostMatches(pattern, host)))
    return `host ${host} is not a known push service (PUSH_ALLOWED_HOSTS: ${policy.hosts.join(', ')})`;
  return undefined;
}
