import { createHmac, timingSafeEqual } from 'node:crypto';
import { isChannel, type Channel } from '../domain/channels.js';

/**
 * Unsubscribe links carry `v1.<payload>.<signature>`: the payload names the customer and the
 * channel, and an HMAC-SHA256 over it (keyed by UNSUBSCRIBE_SECRET) means a token can be neither
 * forged nor edited to point at another customer or channel.
 */
export interface UnsubscribeClaim {
  customerId: string;
  channel: Channel;
}

const b64 = (buffer: Buffer) => buffer.toString('base64url');
const sign = (secret: string, payload: string) =>
  createHmac('sha256', secret).update(`unsubscribe.v1.${payload}`).digest();

export function createUnsubscribeToken(secret: string, claim: UnsubscribeClaim): string {
  const payload = b64(Buffer.from(JSON.stringify({ c: claim.customerId, ch: claim.channel })));
  return `v1.${payload}.${b64(sign(secret, payload))}`;
}

/** The claim, or undefined for anything forged, edited or malformed. */
export function verifyUnsubscribeToken(secret: string, token: string): UnsubscribeClaim | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== 'v1' || !parts[1] || !parts[2] || token.length > 1024)
    return undefined;
  const expected = sign(secret, parts[1]);
  const given = Buffer.from(parts[2], 'base64url');
  // Only the canonical encoding: base64 decoders ignore stray bits and characters.
  if (b64(given) !== parts[2]) return undefined;
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const claim = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as {
      c?: unknown;
      ch?: unknown;
    };
    if (typeof claim.c !== 'string' || !isChannel(claim.ch)) return undefined;
    return { customerId: claim.c, channel: claim.ch };
  } catch {
    return undefined;
  }
}
