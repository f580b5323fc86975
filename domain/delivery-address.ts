import type { IdentityKind } from './identity-keys.js';

/** An identity as the delivery side sees it. */
export interface AddressIdentity {
  kind: IdentityKind;
  value: string;
  /** Unset: claimed by a client key only, never an address. */
  verifiedAt: Date | null;
  /** Set when a merge brought it from another customer. */
  mergedFromId: string | null;
  unreachableAt: Date | null;
}

/**
 * The customer's addresses of one kind, the one to use first: only verified and reachable ones;
 * the customer's own before any a merge brought in (a merge never silently redirects their mail),
 * then the most recently verified. Deterministic: ties go by value.
 */
export function deliveryAddresses(identities: readonly AddressIdentity[], kind: 'email' | 'phone'): string[] {
  return identities
    .filter((identity) => identity.kind === kind && identity.verifiedAt && !identity.unreachableAt)
    .sort(
      (a, b) =>
        Number(a.mergedFromId !== null) - Number(b.mergedFromId !== null) ||
        (b.verifiedAt?.getTime() ?? 0) - (a.verifiedAt?.getTime() ?? 0) ||
        a.value.localeCompare(b.value),
    )
    .map((identity) => identity.value);
}
