import type { Channel } from './channels.js';
import { channels } from './channels.js';

export type ConsentStatus = 'subscribed' | 'unsubscribed';

/**
 * Consent set through identify: `traits.consent = { email: 'subscribed', sms: false, … }`.
 * Accepts 'subscribed'/'unsubscribed' or booleans; anything else is ignored for that channel.
 */
export function consentFromTraits(
  traits: Record<string, unknown> | undefined,
): Partial<Record<Channel, ConsentStatus>> {
  const raw = traits?.consent;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  const out: Partial<Record<Channel, ConsentStatus>> = {};
  for (const channel of channels) {
    const value = (raw as Record<string, unknown>)[channel];
    if (value === true || value === 'subscribed') out[channel] = 'subscribed';
    else if (value === false || value === 'unsubscribed') out[channel] = 'unsubscribed';
  }
  return out;
}
