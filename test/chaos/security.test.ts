import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../db/client.js';
import { customers, events, identities } from '../../db/schema.js';
import { createUnsubscribeToken } from '../../customers/unsubscribe-token.js';
import { signWebhook, verifyWebhook } from '../../delivery/channels/webhook.js';
import { registerSecrets } from '../../infra/log-masking.js';
import { createLogger } from '../../infra/logger.js';
import { startApiServer, type RunningApi } from '../../api/api-server.js';
import type { EventRouter } from '../../runs/event-router.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

/** Everything the engine's logger wrote, as one string. */
function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

describe('security', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('secrets and contact data never reach the logs, whatever path writes them', async () => {
    const secrets = {
      writeKeys: [`wk_${randomBytes(12).toString('hex')}`],
      adminToken: randomBytes(16).toString('hex'),
      unsubscribeSecret: randomBytes(32).toString('hex'),
      twilioAuthToken: randomBytes(16).toString('hex'),
    };
    const dbPassword = `pw${randomBytes(8).toString('hex')}`;
    registerSecrets([
      ...secrets.writeKeys,
      secrets.adminToken,
      secrets.unsubscribeSecret,
      secrets.twilioAuthToken,
      dbPassword,
    ]);
    const sink = capture();
    const logger = createLogger({ level: 'trace', format: 'json' }, 'security-test', sink.stream);
    const email = 'ann.secret@example.com';
    const phone = '+15551234567';

    // A router that fails the way a real one can: with the customer's address in the error.
    const failingRouter: EventRouter = {
      async route() {
        throw Object.assign(
          new Error(`duplicate key value violates unique constraint: Key (value)=(${email}) already exists`),
          {
            code: '23505',
            detail: `Key (kind, value)=(phone, ${phone}) already exists.`,
          },
        );
      },
    };
    // A pool that is closed: every query fails as in a database outage, so the API logs the URL.
    const closed = await connectDatabase(database.url, { poolSize: 1 });
    await closed.close();
    let api: RunningApi | undefined;
    for (const [db, router] of [
      [database.db, failingRouter],
      [closed.db, failingRouter],
    ] as const) {
      api = await startApiServer({ db, router, secrets, logger, host: '127.0.0.1', port: 0 });
      const auth = `Basic ${Buffer.from(`${secrets.writeKeys[0]}:`).toString('base64')}`;
      await fetch(`${api.url}/v1/identify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body: JSON.stringify({
          userId: 'ann',
          traits: { email, phone },
          messageId: randomBytes(8).toString('hex'),
        }),
      }).then((r) => r.arrayBuffer());
      const token = createUnsubscribeToken(secrets.unsubscribeSecret, {
        customerId: '00000000-0000-4000-8000-000000000000',
        channel: 'email',
      });
      await fetch(`${api.url}/unsubscribe?token=${token}`, {
        method: 'POST',
        body: 'List-Unsubscribe=One-Click',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }).then((r) => r.arrayBuffer());
      await api.close();
    }
    // What the Temporal SDK logs when a send fails (the engine routes its logs through this logger),
    // and a connection string in an error.
    logger.child({ component: 'temporal-sdk' }).warn(
      {
        activityType: 'deliver',
        error: new Error(`SMTP 550: <${email}>: Recipient address rejected; sms to ${phone}`),
      },
      'Activity failed',
    );
    logger.error(
      { err: new Error(`cannot connect to postgres://omnijourney:${dbPassword}@127.0.0.1:5432/x`) },
      'boom',
    );
    logger.info(
      { headers: { authorization: `Bearer ${secrets.adminToken}` }, twilio: secrets.twilioAuthToken },
      'request',
    );

    const text = sink.text();
    expect(text.length).toBeGreaterThan(0);
    for (const leaked of [
      email,
      phone,
      '5551234567',
      dbPassword,
      secrets.adminToken,
      secrets.unsubscribeSecret,
      secrets.twilioAuthToken,
      secrets.writeKeys[0]!,
    ])
      expect(text, `"${leaked}" reached the logs`).not.toContain(leaked);
    // The lines are there, masked: the domain and the last two digits help an operator, nothing more.
    expect(text).toContain('***@example.com');
    expect(text).toContain('***67');
    // The failure itself still reads: the SDK's `error` field keeps its message, masked.
    expect(text).toContain(
      '"message":"SMTP 550: <***@example.com>: Recipient address rejected; sms to ***67"',
    );
    expect(text).toMatch(/token=\*\*\*/);
    expect(text).toContain('postgres://omnijourney:***@');
  });

  it('webhook-channel signatures: a forged, altered, re-signed or stale message is refused', () => {
    const secret = randomBytes(32).toString('hex');
    const body = JSON.stringify({ customerId: 'c1', message: 'hello' });
    const now = new Date();
    const header = signWebhook(secret, body, now);
    expect(verifyWebhook(secret, body, header, now)).toBe(true);
    expect(verifyWebhook(secret, body.replace('hello', 'hullo'), header, now)).toBe(false);
    expect(verifyWebhook(secret, body, signWebhook(randomBytes(32).toString('hex'), body, now), now)).toBe(
      false,
    );
    expect(verifyWebhook(secret, body, header, new Date(now.getTime() + 10 * 60_000))).toBe(false); // replayed later
    expect(verifyWebhook(secret, body, header.replace(/v1=\w+/, 'v1=00'), now)).toBe(false);
    expect(verifyWebhook(secret, body, 'garbage', now)).toBe(false);
  });

  it('SQL-looking ids and traits are data: stored verbatim, nothing else touched', async () => {
    const noop: EventRouter = { route: async () => undefined };
    const writeKey = `wk_${randomBytes(8).toString('hex')}`;
    const api = await startApiServer({
      db: database.db,
      router: noop,
      secrets: {
        writeKeys: [writeKey],
        adminToken: randomBytes(16).toString('hex'),
        unsubscribeSecret: randomBytes(32).toString('hex'),
      },
      logger: createLogger({ level: 'silent', format: 'json' }),
      host: '127.0.0.1',
      port: 0,
    });
    const hostile = `x'); drop table customers; --`;
    const name = `Robert"); DELETE FROM events WHERE ('1'='1`;
    const response = await fetch(`${api.url}/v1/identify`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
      },
      body: JSON.stringify({
        userId: hostile,
        traits: { name, note: '\\x00; select pg_sleep(10)' },
        messageId: 'sql-1',
      }),
    });
    expect(response.status).toBe(200);
    await api.close();
    const [identity] = await database.db.select().from(identities).where(eq(identities.value, hostile));
    expect(identity?.kind).toBe('user_id');
    const [customer] = await database.db
      .select()
      .from(customers)
      .where(eq(customers.id, identity!.customerId));
    expect(customer?.traits).toMatchObject({ name, note: '\\x00; select pg_sleep(10)' });
    expect(await database.db.select().from(events).where(eq(events.messageId, 'sql-1'))).toHaveLength(1);
  });
});
