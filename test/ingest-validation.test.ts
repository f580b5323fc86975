import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { events } from '../db/schema.js';
import { postJson, useApiWithDatabase, type TestApi } from './helpers/api.js';
import type { TestDatabase } from './helpers/test-database.js';
import { rowCounts } from './helpers/customer-rows.js';

describe('ingest refuses bad input and changes nothing', () => {
  const context = useApiWithDatabase();
  let database: TestDatabase;
  let api: TestApi;
  beforeAll(() => void ({ database, api } = context));

  const counts = () => rowCounts(database.db);
  const expectError = async (response: Response, status: number, fragment: string) => {
    expect(response.status).toBe(status);
    const body = (await response.json()) as { success: boolean; error: string };
    expect(body.success).toBe(false);
    expect(body.error).toContain(fragment);
  };

  it('missing or wrong write key → 401', async () => {
    const before = await counts();
    const noKey = await fetch(`${api.url}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'u', event: 'E' }),
    });
    await expectError(noKey, 401, 'missing write key');
    const wrong = await postJson(
      api,
      '/v1/track',
      { userId: 'u', event: 'E' },
      { authorization: `Basic ${Buffer.from('nope:').toString('base64')}` },
    );
    await expectError(wrong, 401, 'unknown write key');
    const inBody = await fetch(`${api.url}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ writeKey: api.writeKey, userId: 'u-body', event: 'E', messageId: randomUUID() }),
    });
    expect(inBody.status).toBe(200);
    expect((await counts()).events).toBe(before.events + 1);
  });

  it('malformed JSON, wrong types and missing fields → 400 naming the field; nothing written', async () => {
    const before = await counts();
    await expectError(await postJson(api, '/v1/track', '{"userId": "u", "event": '), 400, 'malformed JSON');
    await expectError(await postJson(api, '/v1/track', { userId: 'u' }), 400, 'event');
    await expectError(await postJson(api, '/v1/track', { userId: 'u', event: 42 }), 400, 'event');
    await expectError(
      await postJson(api, '/v1/track', { event: 'E' }),
      400,
      'userId: either userId or anonymousId is required',
    );
    await expectError(
      await postJson(api, '/v1/identify', { userId: 'u', traits: 'not-an-object' }),
      400,
      'traits',
    );
    await expectError(
      await postJson(api, '/v1/track', { userId: 'u', event: 'E', timestamp: 'yesterday' }),
      400,
      'timestamp',
    );
    await expectError(await postJson(api, '/v1/alias', { userId: 'u' }), 400, 'previousId');
    await expectError(
      await postJson(api, '/v1/track', { userId: 'u', event: 'E\u0000x' }),
      400,
      'event: contains a NUL character',
    );
    await expectError(
      await postJson(api, '/v1/track', { userId: 'u', event: 'E', properties: { name: 'bad \ud800' } }),
      400,
      'properties.name: contains an unpaired UTF-16 surrogate',
    );
    // In strict mode one bad message spoils the batch: the good ones before it are not written either.
    const strict = await postJson(
      api,
      '/v1/batch',
      {
        batch: [
          { type: 'track', userId: 'ok', event: 'Fine', messageId: randomUUID() },
          { type: 'track', userId: 'ok', messageId: randomUUID() },
        ],
      },
      { 'x-strict-batch': 'true' },
    );
    await expectError(strict, 400, 'batch[1].event: required: expected a string');
    await expectError(
      await postJson(api, '/v1/batch', { batch: [{ type: 'dance', userId: 'u' }] }),
      400,
      'batch[0]',
    );
    await expectError(await postJson(api, '/v1/batch', { batch: 'nope' }), 400, 'batch');
    expect(await counts()).toEqual(before);
  });

  it('a batch stores every valid call and reports each refused one (Segment semantics)', async () => {
    const before = await counts();
    const good = [randomUUID(), randomUUID()];
    const response = await postJson(api, '/v1/batch', {
      batch: [
        { type: 'track', userId: 'ok', event: 'Fine', messageId: good[0] },
        { type: 'track', userId: 'ok', messageId: randomUUID() },
        { type: 'track', userId: 'ok', event: 'E', properties: { big: 'x'.repeat(33 * 1024) } },
        { type: 'identify', userId: 'ok', traits: { name: 'Ok' }, messageId: good[1] },
      ],
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toEqual({
      success: true,
      stored: 2,
      duplicates: 0,
      refused: [
        { index: 1, path: 'batch[1].event', reason: expect.any(String) },
        { index: 2, path: 'batch[2]', reason: expect.stringContaining('32 KB per event') },
      ],
    });
    const after = await counts();
    expect(after.events).toBe(before.events + 2);
  });

  it('oversized → 413 naming the limit; nothing written', async () => {
    const before = await counts();
    const big = 'x'.repeat(33 * 1024);
    await expectError(
      await postJson(api, '/v1/track', { userId: 'u', event: 'E', properties: { big } }),
      413,
      '32 KB per event',
    );
    const batch = await postJson(api, '/v1/batch', {
      batch: [{ type: 'track', userId: 'u', event: 'E', properties: { big } }],
    });
    await expectError(batch, 413, 'batch[0]');
    const many = Array.from({ length: 20 }, () => ({
      type: 'track',
      userId: 'u',
      event: 'E',
      properties: { pad: 'y'.repeat(30 * 1024) },
    }));
    await expectError(await postJson(api, '/v1/batch', { batch: many }), 413, '500 KB per batch');
    // A gzip bomb is stopped at the limit while decompressing.
    const bomb = gzipSync(Buffer.from(JSON.stringify({ batch: many })));
    const response = await postJson(api, '/v1/batch', bomb.toString('latin1'), {
      'content-encoding': 'gzip',
    });
    expect([400, 413]).toContain(response.status);
    expect(await counts()).toEqual(before);
  });

  it('accepts gzip bodies, and corrects client clock skew from sentAt', async () => {
    const messageId = randomUUID();
    const clientNow = new Date(Date.now() + 3_600_000); // the client clock runs an hour fast
    const body = gzipSync(
      Buffer.from(
        JSON.stringify({
          batch: [
            {
              type: 'track',
              userId: 'skewed',
              event: 'E',
              messageId,
              timestamp: new Date(clientNow.getTime() - 60_000).toISOString(),
            },
          ],
          sentAt: clientNow.toISOString(),
        }),
      ),
    );
    const response = await fetch(`${api.url}/v1/batch`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        authorization: `Basic ${Buffer.from(`${api.writeKey}:`).toString('base64')}`,
      },
      body,
    });
    expect(response.status).toBe(200);
    const [row] = (await database.db.select().from(events)).filter((e) => e.messageId === messageId);
    const skew = Math.abs(row!.occurredAt.getTime() - (Date.now() - 60_000));
    expect(skew).toBeLessThan(10_000); // a minute ago by our clock, not by the client's
  });
});
