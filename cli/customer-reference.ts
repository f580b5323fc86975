import type { Queryable } from '../db/queryable.js';
import { customerIdFor, parseIdentity, type IdentityReference } from '../customers/identity-reference.js';
import { UserError } from '../infra/user-error.js';
import { UsageError } from './usage-error.js';

/** The one identity syntax of every command that names a customer (and of the admin API). */
export const identityHelp =
  'email:ann@example.com, phone:+33612345678, userId:u1, anonymousId:…, or a customer id';

/** A customer as typed (`--customer`, or an argument): malformed is a usage error, exit 2. */
export function parseCustomer(label: string, text: string, defaultCountry?: string): IdentityReference {
  const reference = parseIdentity(text, defaultCountry);
  if ('problem' in reference) throw new UsageError(`${label} ${text}: ${reference.problem}`);
  return reference;
}

/** The customer id a parsed reference names; nobody with it is a one-line error, exit 1. */
export async function requireCustomerId(
  db: Queryable,
  reference: IdentityReference,
  text: string,
): Promise<string> {
  const id = await customerIdFor(db, reference);
  if (!id) throw new UserError(`no customer has the identity ${text}`);
  return id;
}
