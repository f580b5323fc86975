import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

export const identityKindsByStrength = [
  'user_id',
  'anonymous_id',
  'email',
  'phone',
  'push_endpoint',
] as const;
export type IdentityKind = (typeof identityKindsByStrength)[number];

export interface IdentityKey {
  kind: IdentityKind;
  value: string;
}

export function identityKeyString(key: IdentityKey): string {
  return `${key.kind}:${key.value}`;
}

/** `local@domain` with a dotted domain and no empty label (`a@b..c`, `a@b.c.` are not addresses). */
const emailPattern = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;

/**
 * The one way an email becomes an identity: NFKC (fullwidth `ｊｏｅ＠ｅｘａｍｐｌｅ．ｃｏｍ` is
 * `joe@example.com`), trimmed, lower-cased, and the root dot of a fully qualified domain dropped
 * (`joe@example.com.`). Undefined when it is not an email address.
 */
export function normaliseEmail(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const email = raw.normalize('NFKC').trim().toLowerCase().replace(/\.$/, '');
  return email.length <= 320 && emailPattern.test(email) ? email : undefined;
}

/**
 * E.164 (`+14155552671`); a number without a country code is read in `defaultCountry`. An
 * extension is kept, in RFC 3966 form (`+14155552671;ext=12`): two people behind one switchboard
 * are two identities, not one.
 */
export function normalisePhone(raw: unknown, defaultCountry?: string): string | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const text = String(raw).normalize('NFKC').trim();
  if (text.length === 0 || text.length > 40) return undefined;
  const parsed = parsePhoneNumberFromString(text, defaultCountry as CountryCode | undefined);
  if (!parsed?.isValid()) return undefined;
  return parsed.ext ? `${parsed.number};ext=${parsed.ext}` : parsed.number;
}

/** A number with an extension reaches a switchboard, not a handset: no SMS to it. */
export function hasExtension(phone: string): boolean {
  return phone.includes(';ext=');
}

/** The country of an E.164 number, e.g. `US`; used for a customer's time zone when the profile has none. */
export function phoneCountry(e164: string): string | undefined {
  return parsePhoneNumberFromString(e164)?.country;
}

function dedupe(keys: IdentityKey[]): IdentityKey[] {
  const seen = new Set<string>();
  return keys.filter((key) => {
    const text = identityKeyString(key);
    if (seen.has(text)) return false;
    seen.add(text);
    return true;
  });
}

export interface IdentifiedMessage {
  userId?: string | null;
  anonymousId?: string | null;
  traits?: Record<string, unknown>;
  context?: Record<string, unknown>;
}

/** Every identity a message names: ids, and email/phone from its traits or context.traits. */
export function identityKeysOf(message: IdentifiedMessage, defaultCountry?: string): IdentityKey[] {
  const contextTraits = (message.context?.traits ?? {}) as Record<string, unknown>;
  const traits = { ...contextTraits, ...(message.traits ?? {}) };
  const keys: IdentityKey[] = [];
  if (message.userId) keys.push({ kind: 'user_id', value: message.userId });
  if (message.anonymousId) keys.push({ kind: 'anonymous_id', value: message.anonymousId });
  const email = normaliseEmail(traits.email);
  if (email) keys.push({ kind: 'email', value: email });
  const phone = normalisePhone(traits.phone, defaultCountry);
  if (phone) keys.push({ kind: 'phone', value: phone });
  return dedupe(keys);
}
