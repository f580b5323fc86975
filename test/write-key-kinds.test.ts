import { randomUUID } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { consents, customers, events, identities } from '../db/schema.js';
import { adminGet, postJson, useApiWithDatabase, type TestApi } from './helpers/api.js';
import type { TestDatabase } from './helpers/test-database.js';
import { ownerOf as ownerOfIdentity } from './helpers/customer-rows.js';
import { loadCustomerContact } from '../delivery/customer-contact.js';

/** Issue 15: a client (public) write key cannot set consent, alias, import or claim others' identities. */
describe('server and client write keys', () => {
  const context = useApiWithDatabase();
  let database: TestDatabase;
  let api: TestApi;
  beforeAll(() => void ({ database, api } = context));

  const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });
  const asServer = (path: string, body: Record<string, unknown>) =>
    postJson(api, path, { messageId: randomUUID(), ...body });
  const asClient = (path: string, body: Record<string, unknown>) =>
    postJson(api, path, { messageId: randomUUID(), ...body }, basic(api.clientKey));
  const ok = async (response: Response) => {
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  };

  const ownerOf = (kind: 'email' | 'user_id' | 'anonymous_id', value: string) =>
    ownerOfIdentity(database.db, kind, value);
  const identitiesOf = async (customerId: string) =>
    (
      await database.db
        .select({ kind: identities.kind, value: identities.value })
        .from(identities)
        .where(eq(identities.customerId, customerId))
    )
      .map((row) => `${row.kind}:${row.value}`)
      .sort();
  const eventCount = async (customerId: string) =>
    (await database.db.select({ id: events.id }).from(events).where(eq(events.customerId, customerId)))
      .length;

  /** A known victim: userId, email, one event, email consent subscribed by the shop's server. */
  const victim = async () => {
    const id = randomUUID();
    const email = `victim-${id}@example.com`;
    await ok(
      await asServer('/v1/identify', {
        userId: `victim-${id}`,
        traits: { email, name: 'Victim', consent: { email: 'subscribed' } },
      }),
    );
    const customerId = (await ownerOf('email', email)) ?? '';
    expect(customerId).not.toBe('');
    return { userId: `victim-${id}`, email, customerId };
  };

  it('a client key cannot claim the email of another customer: the event stays with the sender', async () => {
    const target = await victim();
    const before = {
      identities: await identitiesOf(target.customerId),
      events: await eventCount(target.customerId),
    };
    const anonymousId = `attacker-${randomUUID()}`;
    const body = await ok(await asClient('/v1/identify', { anonymousId, traits: { email: target.email } }));
    expect(body).toEqual({
      success: true,
      stored: 1,
      duplicates: 0,
      ignored: [{ path: 'traits.email', reason: expect.stringContaining('unverified') }],
    });
    // The reply is the same for an address nobody has: it does not tell who is registered.
    const unknown = await ok(
      await asClient('/v1/identify', {
        anonymousId,
        traits: { email: `nobody-${randomUUID()}@example.com` },
      }),
    );
    expect(unknown.ignored).toEqual(body.ignored);
    // The victim is untouched; the email stays theirs; the attacker's event is on its own profile.
    expect(await identitiesOf(target.customerId)).toEqual(before.identities);
    expect(await eventCount(target.customerId)).toBe(before.events);
    const attacker = await ownerOf('anonymous_id', anonymousId);
    expect(attacker).toBeDefined();
    expect(attacker).not.toBe(target.customerId);
    expect((await identitiesOf(attacker ?? '')).filter((key) => !key.startsWith('email:nobody-'))).toEqual([
      `anonymous_id:${anonymousId}`,
    ]);
    expect(await eventCount(attacker ?? '')).toBe(2);
    expect(await ownerOf('email', target.email)).toBe(target.customerId);
  });

  it("a client key cannot attach an anonymous profile to another customer's userId", async () => {
    const target = await victim();
    const anonymousId = `attacker-${randomUUID()}`;
    await ok(await asClient('/v1/track', { anonymousId, event: 'Product Viewed' }));
    const body = await ok(await asClient('/v1/identify', { anonymousId, userId: target.userId }));
    expect(body.ignored).toEqual([{ path: 'userId', reason: expect.stringContaining('signed user token') }]);
    const attacker = await ownerOf('anonymous_id', anonymousId);
    expect(attacker).not.toBe(target.customerId);
    const [row] = await database.db
      .select({ mergedIntoId: customers.mergedIntoId })
      .from(customers)
      .where(eq(customers.id, attacker ?? ''));
    expect(row?.mergedIntoId).toBeNull();
    expect(await eventCount(attacker ?? '')).toBe(2);
  });

  it("a client key's claims of identities nobody has are recorded unverified: never an address, and the server's claim takes them", async () => {
    const anonymousId = `visitor-${randomUUID()}`;
    const userId = `u-${anonymousId}`;
    const email = `new-${randomUUID()}@example.com`;
    const body = await ok(await asClient('/v1/identify', { anonymousId, userId, traits: { email } }));
    expect(body.ignored).toEqual([
      { path: 'userId', reason: expect.stringContaining('unverified') },
      { path: 'traits.email', reason: expect.stringContaining('unverified') },
    ]);
    const visitor = (await ownerOf('anonymous_id', anonymousId)) ?? '';
    const claims = await database.db
      .select({ kind: identities.kind, verifiedAt: identities.verifiedAt })
      .from(identities)
      .where(eq(identities.customerId, visitor));
    expect(claims.map((row) => [row.kind, row.verifiedAt === null]).sort()).toEqual([
      ['anonymous_id', false],
      ['email', true],
      ['user_id', true],
    ]);
    expect((await loadCustomerContact(database.db, visitor))?.emails).toEqual([]);
    // The admin API shows them as claims: no verification time.
    const view = (await (await adminGet(api, `/admin/customers/anonymous_id:${anonymousId}`)).json()) as {
      customer: { identities: { kind: string; verifiedAt: string | null }[] };
    };
    expect(view.customer.identities.filter((i) => i.verifiedAt === null).map((i) => i.kind)).toEqual([
      'email',
      'user_id',
    ]);

    // The shop's server later says who has that userId and email: the claims move to that customer,
    // verified; the visitor's profile is not folded into it.
    await ok(await asServer('/v1/identify', { userId, traits: { email } }));
    const owner = (await ownerOf('user_id', userId)) ?? '';
    expect(owner).not.toBe(visitor);
    expect(await ownerOf('email', email)).toBe(owner);
    expect((await loadCustomerContact(database.db, owner))?.emails).toEqual([email]);
    expect(await ownerOf('anonymous_id', anonymousId)).toBe(visitor);
  });

  it('consent traits from a client key are not applied and are listed; the event is stored', async () => {
    const target = await victim();
    const anonymousId = `own-${randomUUID()}`;
    const body = await ok(
      await asClient('/v1/identify', {
        anonymousId,
        traits: { consent: { email: 'subscribed', sms: true } },
      }),
    );
    expect(body.ignored).toEqual([{ path: 'traits.consent', reason: 'consent needs a server write key' }]);
    const own = (await ownerOf('anonymous_id', anonymousId)) ?? '';
    expect(await database.db.select().from(consents).where(eq(consents.customerId, own))).toEqual([]);
    expect(await eventCount(own)).toBe(1);
    const [profile] = await database.db.select().from(customers).where(eq(customers.id, own));
    expect(profile?.traits).not.toHaveProperty('consent');
    // And the victim's consent, set by the server, is as it was.
    const [consent] = await database.db
      .select()
      .from(consents)
      .where(eq(consents.customerId, target.customerId));
    expect(consent?.status).toBe('subscribed');
  });

  it('alias from a client key is 403 and merges nothing; in a batch the alias alone is refused', async () => {
    const target = await victim();
    const anonymousId = `attacker-${randomUUID()}`;
    await ok(await asClient('/v1/track', { anonymousId, event: 'Product Viewed' }));
    const attacker = (await ownerOf('anonymous_id', anonymousId)) ?? '';
    const alias = await asClient('/v1/alias', { previousId: anonymousId, userId: target.userId });
    expect(alias.status).toBe(403);
    expect(await alias.json()).toMatchObject({ error: 'alias needs a server write key' });
    // In a batch the alias alone is refused (its neighbours are stored); in strict mode, the whole batch.
    const batchOf = () => ({
      batch: [
        { type: 'track', messageId: randomUUID(), anonymousId, event: 'Product Viewed' },
        { type: 'alias', messageId: randomUUID(), previousId: anonymousId, userId: target.userId },
      ],
    });
    const strictBody = batchOf();
    const strict = await postJson(api, '/v1/batch', strictBody, {
      ...basic(api.clientKey),
      'x-strict-batch': 'true',
    });
    expect(strict.status).toBe(403);
    const trackMessageId = strictBody.batch[0]?.messageId ?? '';
    expect(await database.db.select().from(events).where(eq(events.messageId, trackMessageId))).toEqual([]);
    const lenient = await ok(await postJson(api, '/v1/batch', batchOf(), basic(api.clientKey)));
    expect(lenient).toMatchObject({
      stored: 1,
      refused: [{ index: 1, path: 'batch[1]', reason: 'alias needs a server write key' }],
    });
    const rows = await database.db
      .select({ id: customers.id, mergedIntoId: customers.mergedIntoId })
      .from(customers)
      .where(inArray(customers.id, [attacker, target.customerId]));
    expect(rows.map((row) => row.mergedIntoId)).toEqual([null, null]);
    expect(await ownerOf('anonymous_id', anonymousId)).toBe(attacker);
  });

  it('/v1/import is refused to a client key', async () => {
    const anonymousId = `importer-${randomUUID()}`;
    const response = await asClient('/v1/import', {
      batch: [{ type: 'track', anonymousId, event: 'Order Completed', properties: { total: 10 } }],
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'import needs a server write key' });
    expect(await ownerOf('anonymous_id', anonymousId)).toBeUndefined();
  });

  it('in a batch, ignored parts name their call', async () => {
    const target = await victim();
    const anonymousId = `batcher-${randomUUID()}`;
    const body = await ok(
      await asClient('/v1/batch', {
        batch: [
          { type: 'track', messageId: randomUUID(), anonymousId, event: 'Product Viewed' },
          {
            type: 'identify',
            messageId: randomUUID(),
            anonymousId,
            traits: { email: target.email, consent: { email: false } },
          },
        ],
      }),
    );
    expect(body.ignored).toEqual([
      { path: 'batch[1].traits.email', reason: expect.any(String) },
      { path: 'batch[1].traits.consent', reason: expect.any(String) },
    ]);
  });

  it('with a server key the same calls merge as today', async () => {
    const target = await victim();
    const anonymousId = `device-${randomUUID()}`;
    await ok(await asServer('/v1/track', { anonymousId, event: 'Product Viewed' }));
    const anonymous = (await ownerOf('anonymous_id', anonymousId)) ?? '';
    const body = await ok(await asServer('/v1/identify', { anonymousId, traits: { email: target.email } }));
    expect(body).toEqual({ success: true, stored: 1, duplicates: 0 });
    // The anonymous profile folds into the email's known owner (rule 4), with its event.
    expect(await ownerOf('anonymous_id', anonymousId)).toBe(target.customerId);
    expect(await eventCount(target.customerId)).toBe(3);
    const [row] = await database.db
      .select({ mergedIntoId: customers.mergedIntoId })
      .from(customers)
      .where(eq(customers.id, anonymous));
    expect(row?.mergedIntoId).toBe(target.customerId);

    const other = `other-${randomUUID()}`;
    await ok(await asServer('/v1/track', { anonymousId: other, event: 'Product Viewed' }));
    await ok(await asServer('/v1/alias', { previousId: other, userId: target.userId }));
    expect(await ownerOf('anonymous_id', other)).toBe(target.customerId);
    await ok(await asServer('/v1/identify', { userId: target.userId, traits: { consent: { sms: true } } }));
    const sms = await database.db.select().from(consents).where(eq(consents.customerId, target.customerId));
    expect(sms.map((consent) => consent.channel).sort()).toEqual(['email', 'sms']);
  });
});
