import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { identities, pushSubscriptions } from '../db/schema.js';
import { adminGet, postJson, useApiWithDatabase, type TestApi } from './helpers/api.js';
import type { TestDatabase } from './helpers/test-database.js';
import { rowCounts } from './helpers/customer-rows.js';

/** Issue 15 (Trust I): ids that survive JSON, one identity per address, idempotent push registration. */
describe('identifiers you can trust', () => {
  const context = useApiWithDatabase();
  let database: TestDatabase;
  let api: TestApi;
  beforeAll(() => void ({ database, api } = context));

  const counts = () => rowCounts(database.db);
  const ownerOf = async (kind: (typeof identities.$inferSelect)['kind'], value: string) => {
    const rows = await database.db
      .select()
      .from(identities)
      .where(and(eq(identities.kind, kind), eq(identities.value, value)));
    return rows.map((row) => row.customerId);
  };
  const send = async (path: string, body: Record<string, unknown>) => {
    const response = await postJson(api, path, { messageId: randomUUID(), ...body });
    expect(response.status, await response.clone().text()).toBe(200);
  };

  it('a numeric userId beyond 2^53 → 400 naming userId, alone or in a strict batch; nothing written', async () => {
    const before = await counts();
    // Written as text so the digits reach the server as sent; JSON.parse there rounds them.
    const single = await postJson(api, '/v1/track', '{"userId": 12345678901234567891, "event": "E"}');
    expect(single.status).toBe(400);
    const problem = (await single.json()) as { error: string; issues: { path: string }[] };
    expect(problem.error).toMatch(/^userId: /);
    expect(problem.issues.map((issue) => issue.path)).toEqual(['userId']);

    const twin = await postJson(api, '/v1/identify', '{"userId": 12345678901234567890, "traits": {}}');
    expect(twin.status).toBe(400);
    const alias = await postJson(
      api,
      '/v1/alias',
      '{"userId": "u-alias", "previousId": 12345678901234567891}',
    );
    expect(((await alias.json()) as { error: string }).error).toMatch(/^previousId: /);

    const body = `{"batch": [{"type": "track", "userId": "fine", "event": "E", "messageId": "${randomUUID()}"},
                  {"type": "track", "anonymousId": 12345678901234567891, "event": "E"}]}`;
    const strict = await postJson(api, '/v1/batch', body, { 'x-strict-batch': 'true' });
    expect(strict.status).toBe(400);
    expect(((await strict.json()) as { error: string }).error).toMatch(/^batch\[1\]\.anonymousId: /);
    expect(await counts()).toEqual(before);
    // Without strict mode the good call is stored and the bad one reported by its field.
    const lenient = await postJson(api, '/v1/batch', body);
    expect(lenient.status).toBe(200);
    expect(((await lenient.json()) as { refused: { path: string }[] }).refused.map((r) => r.path)).toEqual([
      'batch[1].anonymousId',
    ]);
  });

  it('a numeric userId within the safe range is still taken, as its decimal string', async () => {
    await send('/v1/identify', { userId: 9007199254740991, traits: { plan: 'pro' } });
    expect(await ownerOf('user_id', '9007199254740991')).toHaveLength(1);
  });

  it('fullwidth, upper-case and trailing-dot spellings of one email resolve to one customer', async () => {
    const spellings = [
      'joe@example.com',
      'ｊｏｅ＠ｅｘａｍｐｌｅ．ｃｏｍ',
      'Joe@Example.com.',
      'ＪＯＥ＠example.com.',
    ];
    const browsers = spellings.map(() => randomUUID());
    for (const [index, email] of spellings.entries()) {
      await send('/v1/identify', { anonymousId: browsers[index], traits: { email } });
    }
    const owners = await ownerOf('email', 'joe@example.com');
    expect(owners).toHaveLength(1);
    const emailRows = await database.db.select().from(identities).where(eq(identities.kind, 'email'));
    expect(emailRows.map((row) => row.value)).toEqual(['joe@example.com']);
    for (const browser of browsers) expect(await ownerOf('anonymous_id', browser)).toEqual(owners);
    // The admin API reads a reference with the same normaliser.
    const view = await adminGet(
      api,
      `/admin/customers/${encodeURIComponent('email:ｊｏｅ＠ｅｘａｍｐｌｅ．ｃｏｍ.')}`,
    );
    expect(view.status).toBe(200);
    expect(((await view.json()) as { customer: { id: string } }).customer.id).toBe(owners[0]);
  });

  it('one office number with two extensions is two people', async () => {
    await send('/v1/identify', { userId: 'desk-12', traits: { phone: '+1 415 555 2671 ext. 12' } });
    await send('/v1/identify', { userId: 'desk-13', traits: { phone: '+1 415 555 2671 ext. 13' } });
    const [twelve] = await ownerOf('phone', '+14155552671;ext=12');
    const [thirteen] = await ownerOf('phone', '+14155552671;ext=13');
    expect(twelve).toBeDefined();
    expect(thirteen).toBeDefined();
    expect(twelve).not.toBe(thirteen);
  });

  it('20 concurrent registrations of one push endpoint → 20 × 200, one subscription, one identity', async () => {
    const endpoint = `https://fcm.googleapis.com/fcm/send/${randomUUID()}`;
    const body = {
      anonymousId: `browser-${randomUUID()}`,
      subscription: { endpoint, expirationTime: null, keys: { p256dh: 'BKey', auth: 'secret' } },
    };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => postJson(api, '/v1/push/subscriptions', body)),
    );
    const replies = await Promise.all(
      responses.map(async (response) => ({ status: response.status, body: await response.text() })),
    );
    expect(replies.filter((reply) => reply.status !== 200)).toEqual([]);
    const customerIds = new Set(
      replies.map((reply) => (JSON.parse(reply.body) as { customerId: string }).customerId),
    );
    expect(customerIds.size).toBe(1);
    const rows = await database.db
      .select()
      .from(pushSubscriptions)
      .where(eq(pushSubscriptions.endpoint, endpoint));
    expect(rows).toHaveLength(1);
    expect(await ownerOf('push_endpoint', endpoint)).toEqual([...customerIds]);
  });

  it('20 browsers registering one endpoint at once (20 anonymousIds) → 20 × 200, one row, one owner', async () => {
    const endpoint = `https://fcm.googleapis.com/fcm/send/${randomUUID()}`;
    const subscription = { endpoint, expirationTime: null, keys: { p256dh: 'BKey', auth: 'secret' } };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        postJson(api, '/v1/push/subscriptions', { anonymousId: `tab-${randomUUID()}`, subscription }),
      ),
    );
    const statuses = await Promise.all(
      responses.map(async (response) => `${response.status} ${await response.text()}`.slice(0, 3)),
    );
    expect(statuses).toEqual(Array.from({ length: 20 }, () => '200'));
    const rows = await database.db
      .select()
      .from(pushSubscriptions)
      .where(eq(pushSubscriptions.endpoint, endpoint));
    expect(rows).toHaveLength(1);
    expect(await ownerOf('push_endpoint', endpoint)).toEqual([rows[0]!.customerId]);
  });
});
