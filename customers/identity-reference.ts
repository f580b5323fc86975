import { z } from 'zod';
import { normaliseEmail, normalisePhone, type IdentityKey } from '../domain/identity-keys.js';
import type { Queryable } from '../db/queryable.js';
import { findCustomerByIdentity } from './resolve-customer.js';

const kindAliases: Record<string, IdentityKey['kind']> = {
  userId: 'user_id',
  user_id: 'user_id',
  anonymousId: 'anonymous_id',
  anonymous_id: 'anonymous_id',
  email: 'email',
  phone: 'phone',
  push: 'push_endpoint',
  push_endpoint: 'push_endpoint',
};

const uuid = z.uuid();

/** A customer named by a person: `email:ann@example.com`, `phone:+33…`, `userId:u1`, `anonymousId:…`, or a customer id. */
export type IdentityReference = IdentityKey | { customerId: string };

/** Parses a reference, or says what is wrong with it. */
export function parseIdentity(
  text: string,
  defaultCountry?: string,
): IdentityReference | { problem: string } {
  if (uuid.safeParse(text).success) return { customerId: text };
  const colon = text.indexOf(':');
  const kind = colon > 0 ? kindAliases[text.slice(0, colon)] : undefined;
  const raw = colon > 0 ? text.slice(colon + 1) : '';
  if (!kind || !raw) {
    return {
      problem: `identity: expected KIND:VALUE with KIND one of ${Object.keys(kindAliases).join(', ')}, or a customer id`,
    };
  }
  const value =
    kind === 'email' ? normaliseEmail(raw) : kind === 'phone' ? normalisePhone(raw, defaultCountry) : raw;
  if (!value) return { problem: `identity: ${raw} is not a valid ${kind}` };
  return { kind, value };
}

/** The customer a parsed reference names, if any. */
export async function customerIdFor(
  db: Queryable,
  reference: IdentityReference,
): Promise<string | undefined> {
  return 'customerId' in reference ? reference.customerId : findCustomerByIdentity(db, reference);
}
