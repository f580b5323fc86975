import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { identities, pushSubscriptions } from '../db/schema.js';
import { resolveCustomer } from '../customers/resolve-customer.js';
import { setConsent } from '../customers/set-consent.js';
import { problemsOf } from '../domain/segment-message.js';
import type { IdentityKey } from '../domain/identity-keys.js';
import { HttpError } from './http-errors.js';
import { requireWriteKey, type WriteKeyCheck } from './write-keys.js';

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

/** Web Push: the VAPID public key for the browser, and registering/removing a subscription. */
export function registerPushRoutes(
  app: FastifyInstance,
  deps: { db: Database; vapidPublicKey?: string; isWriteKey: WriteKeyCheck },
) {
  app.get('/v1/push/vapid-public-key', async () => {
    if (!deps.vapidPublicKey)
      throw new HttpError(404, 'Web Push is not configured: set VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY');
    return { publicKey: deps.vapidPublicKey };
  });

  app.post('/v1/push/subscriptions', async (request) => {
    requireWriteKey(request, deps.isWriteKey);
    const parsed = subscriptionBody.safeParse(request.body);
    if (!parsed.success) {
      const problems = problemsOf(parsed.error);
      throw new HttpError(400, `${problems[0]?.path}: ${problems[0]?.message}`, problems);
    }
    const { userId, anonymousId, subscription } = parsed.data;
    const customerId = await deps.db.transaction(async (tx) => {
      const keys: IdentityKey[] = [];
      if (userId) keys.push({ kind: 'user_id', value: userId });
      if (anonymousId) keys.push({ kind: 'anonymous_id', value: anonymousId });
      const { customerId } = await resolveCustomer(tx, { keys, mode: 'resolve' });
      // A browser's subscription belongs to whoever registered it last (a shared or resold device).
      // Upserts, so concurrent registrations of one endpoint all succeed and leave one row each.
      await tx
        .insert(identities)
        .values({ customerId, kind: 'push_endpoint', value: subscription.endpoint })
        .onConflictDoUpdate({
          target: [identities.kind, identities.value],
          set: { customerId, unreachableAt: null, unreachableReason: null },
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
      // Granting the browser permission is the customer's consent to push.
      await setConsent(tx, {
        customerId,
        channel: 'push',
        status: 'subscribed',
        source: 'push-subscription',
        at: new Date(),
      });
      return customerId;
    });
    return { success: true, customerId };
  });

  app.delete('/v1/push/subscriptions', async (request) => {
    requireWriteKey(request, deps.isWriteKey);
    const parsed = removalBody.safeParse(request.body);
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
