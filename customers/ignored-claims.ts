import type { IdentityKey } from '../domain/identity-keys.js';

/** A part of a message that was stored but not applied, and why (client write keys). */
export interface Ignored {
  path: string;
  reason: string;
}

const claimPaths: Partial<Record<IdentityKey['kind'], string>> = {
  user_id: 'userId',
  anonymous_id: 'anonymousId',
  email: 'traits.email',
  phone: 'traits.phone',
};

/**
 * What the sender named but could not vouch for (recorded as unverified claims), and consent it
 * may not give. Said the same whether or not someone else has the identity: a reply must not tell a
 * public key which addresses are registered.
 */
export function ignoredOf(acceptConsent: boolean, traits: unknown, unverified: IdentityKey[]): Ignored[] {
  const ignored = unverified.map((key) => ({
    path: claimPaths[key.kind] ?? key.kind,
    reason:
      key.kind === 'user_id'
        ? 'recorded as an unverified claim: acting as a user from a client key needs a signed user token'
        : 'recorded as an unverified claim, never used as an address: only a server write key can vouch for it',
  }));
  const consent = (traits as { consent?: unknown } | undefined)?.consent;
  if (!acceptConsent && consent !== undefined)
    ignored.push({ path: 'traits.consent', reason: 'consent needs a server write key' });
  return ignored;
}
