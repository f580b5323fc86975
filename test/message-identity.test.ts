import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { ingestMessage } from '../customers/ingest-message.js';
import { deliveries } from '../db/schema.js';
import { email } from '../delivery/channels/email.js';
import type { DeliveryRequest } from '../delivery/delivery-request.js';
import { delivererFromConfig } from '../delivery/from-config.js';
import type { SegmentMessage } from '../domain/segment-message.js';
import { diesAfterProviderAccepts } from './helpers/crash-window.js';
import { startSmtpPeer, type SmtpPeer } from './helpers/smtp-peer.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { deliveryRequest } from './helpers/delivery-request.js';

/**
 * One identity per message, whichever process sends it: the all-in-one `start` and a separate
 * `omnijourney worker` build their pipelines from the same configuration but work out different
 * API addresses (a free port, PUBLIC_BASE_URL set on one machine only). A resend at the crash
 * window from the other process must carry the first copy's Message-ID, or no mailbox can collapse it.
 */
describe('Message-ID: one per message, the same from every process kind', () => {
  let database: TestDatabase;
  let smtp: SmtpPeer;
  beforeAll(async () => {
    [database, smtp] = await Promise.all([createTestDatabase(), startSmtpPeer()]);
  });
  afterAll(async () => {
    await smtp?.close();
    await database?.drop();
  });

  const config = () =>
    loadConfig({
      SMTP_URL: smtp.url,
      EMAIL_FROM: 'Shop <shop@Shop.Example>',
      UNSUBSCRIBE_SECRET: 'u'.repeat(64),
    });
  const logger = pino({ level: 'silent' });
  // What `start` works out (the API on a free port) and what a worker elsewhere does (PUBLIC_BASE_URL).
  const startKind = 'http://127.0.0.1:41873';
  const workerKind = 'https://track.other-host.example:8443';

  const customer = async (address: string) => {
    const userId = `u-${randomUUID()}`;
    const identify = { type: 'identify', userId, traits: { email: address }, messageId: randomUUID() };
    const stored = await ingestMessage(database.db, identify as SegmentMessage, { receivedAt: new Date() });
    if (stored.outcome !== 'stored') throw new Error('not stored');
    const add = {
      type: 'track',
      userId,
      event: 'Product Added',
      properties: { product_id: 'lamp', name: 'Lamp' },
      messageId: randomUUID(),
    };
    await ingestMessage(database.db, add as SegmentMessage, { receivedAt: new Date() });
    return stored.customer.id;
  };
  const request = (customerId: string): DeliveryRequest =>
    deliveryRequest(customerId, {
      dedupKey: `journey/identity/${customerId}/${randomUUID()}/reminder-1`,
      workflowId: `journey/abandoned-cart/${customerId}/c`,
      category: 'transactional',
      quietHours: 'skip',
    });
  const mailsTo = (address: string) => smtp.messages.filter((m) => JSON.stringify(m.to).includes(address));

  it('two adapters built from one configuration as start and worker would: the same Message-ID for one dedup key', async () => {
    const settings = { config: config(), secrets: {} };
    const key = `journey/identity/c-1/${randomUUID()}/reminder-1`;
    for (const publicBaseUrl of [startKind, workerKind]) {
      const adapter = email.fromConfig({ ...settings, publicBaseUrl })!;
      await adapter.send({
        message: { channel: 'email', subject: 'Your cart', html: '<p>Lamp</p>', text: 'Lamp' },
        recipient: { channel: 'email', email: 'kinds@example.test' },
        idempotencyKey: key,
        category: 'transactional',
      });
    }
    const copies = mailsTo('kinds@example.test');
    expect(copies.map((mail) => mail.messageId)).toEqual([
      `<${Buffer.from(key).toString('base64url')}@shop.example>`,
      `<${Buffer.from(key).toString('base64url')}@shop.example>`,
    ]);
  });

  it('the provider accepted, `start` died before the ledger said so: the worker’s resend carries the first copy’s Message-ID', async () => {
    const settings = { config: config(), secrets: {}, db: database.db, logger };
    const crashing = diesAfterProviderAccepts(email.fromConfig({ ...settings, publicBaseUrl: startKind })!);
    const start = delivererFromConfig({
      ...settings,
      publicBaseUrl: startKind,
      adapters: [crashing.adapter],
    });
    const worker = delivererFromConfig({ ...settings, publicBaseUrl: workerKind });
    const step = request(await customer('window@example.test'));

    void start.deliver(step); // never returns: the process "died" after the SMTP server accepted
    await crashing.accepted;
    const [row] = await database.db.select().from(deliveries).where(eq(deliveries.dedupKey, step.dedupKey));
    expect(row?.status).toBe('reserved'); // what the crash leaves for an at-least-once channel

    expect(await worker.deliver(step)).toMatchObject({ status: 'sent', channel: 'email' });
    expect(await worker.deliver(step)).toMatchObject({ status: 'sent' }); // recorded now: no third copy
    const copies = mailsTo('window@example.test');
    expect(copies).toHaveLength(2);
    expect(copies[1]?.messageId).toBe(copies[0]?.messageId);
    expect(copies[0]?.messageId).toBe(`<${Buffer.from(step.dedupKey).toString('base64url')}@shop.example>`);
  });
});
