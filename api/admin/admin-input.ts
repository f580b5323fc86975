import type { z } from 'zod';
import type { Queryable } from '../../db/queryable.js';
import { customerIdFor, parseIdentity } from '../../customers/identity-reference.js';
import { plainError } from '../../domain/plain-error.js';
import { HttpError } from '../http-errors.js';

/** Parses a route's input with its zod schema; a mistake is a 400 naming each field and why. */
export function parsed<T extends z.ZodType>(schema: T, input: unknown, where: string): z.output<T> {
  const result = schema.safeParse(input ?? {}, { error: plainError });
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.length > 0 ? issue.path.join('.') : where,
    message: issue.message,
  }));
  throw new HttpError(400, issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '), issues);
}

/** The customer an identity (`email:…`, `phone:…`, `userId:…`, or an id) names: 400 if malformed, 404 if unknown. */
export async function customerIdOf(
  db: Queryable,
  identity: string,
  defaultPhoneCountry: string | undefined,
  field = 'customer',
): Promise<string> {
  const reference = parseIdentity(identity, defaultPhoneCountry);
  if ('problem' in reference)
    throw new HttpError(400, `${field}: ${reference.problem}`, [{ path: field, message: reference.problem }]);
  const id = await customerIdFor(db, reference);
  if (!id) throw new HttpError(404, `no customer has the identity ${identity}`);
  return id;
}

/** 503 when this API was started without a Temporal client (what ends runs and reads their steps). */
export function temporalRequired<T>(client: T | undefined): T {
  if (!client) throw new HttpError(503, 'Temporal is not connected to this API server; retry later');
  return client;
}
