import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { consents, events } from '../db/schema.js';
import { postJson, useApiWithDatabase, type TestApi } from './helpers/api.js';
import type { TestDatabase } from './helpers/test-database.js';
import { ownerOf as ownerOfIdentity } from './helpers/customer-rows.js';

/** Issue 15: a client key with a user token signed by the shop's server acts for that user. */
describe('signed user tokens', () => {
  const context = useApiWithDatabase();
  let database: TestDatabase;
  let api: TestApi;
  beforeAll(() => void ({ database, api } = context));

  const sign = (sub: string, { secret = api.secrets.userTokenSecret ?? '', expiresIn = '5m' } = {}) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime(expiresIn)
      .sign(new TextEncoder().encode(secret));
  const asClient = (path: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    postJson(
      api,
      path,
      { messageId: randomUUID(), ...body },
      { authorization: `Basic ${Buffer.from(`${api.clientKey}:`).toString('base64')}`, ...headers },
    );
  const ownerOf = (kind: 'email' | 'user_id' | 'anonymous_id', value: string) =>
    ownerOfIdentity(database.db, kind, value);

  /** A user known to the shop: a profile with userId and email, made by the server. */
  const knownUser = async () => {
    const userId = `user-${randomUUID()}`;
    const email = `${userId}@example.com`;
    const response = await postJson(api, '/v1/identify', {
      messageId: randomUUID(),
      userId,
      traits: { email },
    });
    expect(response.status).toBe(200);
    return { userId, email, customerId: (await ownerOf('user_id', userId)) ?? '' };
  };

  it('a valid token acts for its user: the anonymous profile folds into theirs', async () => {
    const user = await knownUser();
    const anonymousId = `browser-${randomUUID()}`;
    expect((await asClient('/v1/track', { anonymousId, event: 'Product Viewed' })).status).toBe(200);
    const response = await asClient(
      '/v1/identify',
      { anonymousId, userId: user.userId, traits: { email: user.email, consent: { email: true } } },
      { 'x-user-token': await sign(user.userId) },
    );
    expect(response.status, await response.clone().text()).toBe(200);
    // The token vouches for the user, not for an address; consent is still not the client's to set.
    expect(await response.json()).toEqual({
      success: true,
      stored: 1,
      duplicates: 0,
      ignored: [
        { path: 'traits.email', reason: expect.stringContaining('unverified') },
        { path: 'traits.consent', reason: 'consent needs a server write key' },
      ],
    });
    expect(await ownerOf('anonymous_id', anonymousId)).toBe(user.customerId);
    const stored = await database.db.select().from(events).where(eq(events.customerId, user.customerId));
    expect(stored).toHaveLength(3);
    expect(await database.db.select().from(consents).where(eq(consents.customerId, user.customerId))).toEqual(
      [],
    );
  });

  it('the token may come as userToken in the body of a batch', async () => {
    const user = await knownUser();
    const anonymousId = `app-${randomUUID()}`;
    const response = await asClient('/v1/batch', {
      userToken: await sign(user.userId),
      batch: [{ type: 'identify', messageId: randomUUID(), anonymousId, userId: user.userId }],
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await ownerOf('anonymous_id', anonymousId)).toBe(user.customerId);
  });

  it('an expired, forged or mismatched token is 401 naming the problem, and nothing is stored', async () => {
    const user = await knownUser();
    const other = await knownUser();
    const cases: [string, string, RegExp][] = [
      ['expired', await sign(user.userId, { expiresIn: '-1m' }), /expired/],
      [
        'forged',
        await sign(user.userId, { secret: 'not-the-shop-secret-but-long-enough-0123' }),
        /signature/,
      ],
      ['another user', await sign(other.userId), /another user/],
      ['not a JWT', 'garbage', /invalid/],
    ];
    for (const [label, token, problem] of cases) {
      const anonymousId = `attacker-${randomUUID()}`;
      const response = await asClient(
        '/v1/identify',
        { anonymousId, userId: user.userId },
        { 'x-user-token': token },
      );
      expect(response.status, label).toBe(401);
      expect(((await response.json()) as { error: string }).error, label).toMatch(problem);
      expect(await ownerOf('anonymous_id', anonymousId), label).toBeUndefined();
    }
  });

  it('a token does not allow alias', async () => {
    const user = await knownUser();
    const response = await asClient(
      '/v1/alias',
      { previousId: `anon-${randomUUID()}`, userId: user.userId },
      { 'x-user-token': await sign(user.userId) },
    );
    expect(response.status).toBe(403);
  });
});
