import { and, eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import type { Queryable } from '../db/queryable.js';
import { identities, pushSubscriptions } from '../db/schema.js';
import { resolveCustomer } from '../customers/resolve-customer.js';
import { setConsent } from '../customers/set-consent.js';
import { problemsOf } from '../domain/segment-message.js';
import type { IdentityKey } from '../domain/identity-keys.js';
import type { Trust } from '../domain/merge-plan.js';
import { HttpError } from './http-errors.js';
import { tokenUser, type UserTokenVerifier } from './user-tokens.js';
import { requireWriteKey, type WriteKeyCheck, type WriteKeyKind } from './write-keys.js';
import { plainError } from '../domain/plain-error.js';
import { pushEndpointRefused } from '../delivery/push-endpoints.js';
import { access, errorResponses, json, okReply, operation } from './openapi-schemas.js';

const subscriptionBody = z
  .object({
    userId: z.string().trim().min(1).max(512).optional(),
    anonymousId: z.string().trim().min(1).max(512).optional(),
    subscription: z.object({
      endpoint: z.url({ protocol: /^https$/ }).max(2048),
      expirationTime: z.number().nullish(),
      keys: z.object({ p256dh: z.string().min(1).max(256), auth: z.string().min(1).max(256) }),
    }),
  })
  .refine((body) => body.userId || body.anonymousId, {
    path: ['userId'],
    message: 'either userId or anonymousId is required',
  });

const removalBody = z.object({ endpoint: z.url().max(2048) });

type Subscription = z.infer<typeof subscriptionBody>['subscription'];

const pushErrors = errorResponses(400, 401, 403, 503);
const docs = {
  vapidKey: {
    ...operation('push', 'The VAPID public key a browser subscribes with', access.public),
    response: {
      200: { description: 'The key (URL-safe base64).', ...json(z.object({ publicKey: z.string() })) },
      ...errorResponses(404),
    },
  },
  subscribe: {
    ...operation('push', "Register a browser's push subscription for a customer", access.anyWriteKey),
    description:
      'The endpoint becomes this customer’s, and push consent is recorded. A client key registers for its anonymousId, or for a userId named by a signed user token.',
    body: subscriptionBody,
    response: {
      200: {
        description: 'Registered.',
        ...json(
          z.object({
            success: z.literal(true),
            customerId: z.string(),
            ignored: z.array(z.object({ path: z.string(), reason: z.string() })).optional(),
          }),
        ),
      },
      ...pushErrors,
    },
  },
  unsubscribe: {
    ...operation('push', 'Remove a push subscription', access.anyWriteKey),
    body: removalBody,
    response: { 200: { description: 'Removed (or was not there).', ...json(okReply) }, ...pushErrors },
  },
};

/**
 * The endpoint becomes the customer's (a browser's subscription belongs to whoever registered it
 * last: a shared or resold device), and granting permission is their consent to push. Upserts, so
 * concurrent registrations of one endpoint all succeed and leave one row each.
 */
async function saveSubscription(tx: Queryable, customerId: string, subscription: Subscription) {
  await tx
    .insert(identities)
    .values({ customerId, kind: 'push_endpoint', value: subscription.endpoint, verifiedAt: new Date() })
    .onConflictDoUpdate({
      target: [identities.kind, identities.value],
      set: { customerId, unreachableAt: null, unreachableReason: null, mergedFromId: null },
    });
  const values = {
    customerId,
    endpoint: subscription.endpoint,
    p256dh: subscription.keys.p256dh,
    auth: subscription.keys.auth,
    expiresAt: subscription.expirationTime ? new Date(subscription.expirationTime) : null,
  };
  await tx
    .insert(pushSubscriptions)
    .values(values)
    .onConflictDoUpdate({ target: pushSubscriptions.endpoint, set: values });
  await setConsent(tx, {
    customerId,
    channel: 'push',
    status: 'subscribed',
    source: 'push-subscription',
    at: new Date(),
  });
}

/**
 * Who registers: a server key for anyone; a client key for its own device (the anonymousId), or
 * for a userId its signed user token names. A client key with neither is refused: there is nobody
 * it could register for.
 */
async function pushTrust(
  request: FastifyRequest,
  verify: UserTokenVerifier,
  kind: WriteKeyKind,
  { userId, anonymousId }: { userId?: string; anonymousId?: string },
): Promise<Trust> {
  if (kind === 'server') return 'server';
  if ((await tokenUser(request, verify, [userId])) !== undefined && userId !== undefined) return 'user';
  if (anonymousId === undefined)
    throw new HttpError(
      403,
      'userId: a client key registers a subscription for its anonymousId, or for a userId with a signed user token',
    );
  return 'client';
}

/** Web Push: the VAPID public key for the browser, and registering/removing a subscription. */
export function registerPushRoutes(
  app: FastifyInstance,
  deps: {
    db: Database;
    vapidPublicKey?: string;
    isWriteKey: WriteKeyCheck;
    verifyUserToken: UserTokenVerifier;
  },
) {
  app.get('/v1/push/vapid-public-key', { schema: docs.vapidKey }, async () => {
    if (!deps.vapidPublicKey)
      throw new HttpError(404, 'Web Push is not configured: set VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY');
    return { publicKey: deps.vapidPublicKey };
  });

  app.post('/v1/push/subscriptions', { schema: docs.subscribe }, async (request) => {
    const kind = requireWriteKey(request, deps.isWriteKey);
    const parsed = subscriptionBody.safeParse(request.body, { error: plainError });
    if (!parsed.success) {
      const problems = problemsOf(parsed.error);
      throw new HttpError(400, `${problems[0]?.path}: ${problems[0]?.message}`, problems);
    }
    const { userId, anonymousId, subscription } = parsed.data;
    const refused = pushEndpointRefused(subscription.endpoint);
    if (refused)
      throw new HttpError(400, `subscription.endpoint: ${refused}`, [
        { path: 'subscription.endpoint', message: refused },
      ]);
    const trust = await pushTrust(request, deps.verifyUserToken, kind, parsed.data);
    const { customerId, unverified } = await deps.db.transaction(async (tx) => {
      const keys: IdentityKey[] = [];
      if (userId) keys.push({ kind: 'user_id', value: userId });
      if (anonymousId) keys.push({ kind: 'anonymous_id', value: anonymousId });
      const resolution = await resolveCustomer(tx, { keys, mode: 'resolve', trust });
      const customerId = resolution.customerId;
      await saveSubscription(tx, customerId, subscription);
      return { customerId, unverified: resolution.unverified };
    });
    const ignored = unverified.map(() => ({
      path: 'userId',
      reason:
        "the subscription is the device's (its anonymousId): registering it for a user needs a signed user token",
    }));
    return { success: true, customerId, ...(ignored.length > 0 ? { ignored } : {}) };
  });

  app.delete('/v1/push/subscriptions', { schema: docs.unsubscribe }, async (request) => {
    requireWriteKey(request, deps.isWriteKey);
    const parsed = removalBody.safeParse(request.body, { error: plainError });
    if (!parsed.success)
      throw new HttpError(400, 'endpoint: expected the subscription endpoint URL', problemsOf(parsed.error));
    await deps.db.transaction(async (tx) => {
      await tx.delete(pushSubscriptions).where(eq(pushSubscriptions.endpoint, parsed.data.endpoint));
      await tx
        .delete(identities)
        .where(and(eq(identities.kind, 'push_endpoint'), eq(identities.value, parsed.data.endpoint)));
    });
    return { success: true };
  });
}
