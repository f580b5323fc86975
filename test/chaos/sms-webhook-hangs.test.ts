import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestMessage } from '../../customers/ingest-message.js';
import { deliveries } from '../../db/schema.js';
import { createSmsAdapter } from '../../delivery/channels/sms.js';
import { createWebhookAdapter } from '../../delivery/channels/webhook.js';
import { createDeliveryPipeline } from '../../delivery/delivery-pipeline.js';
import type { DeliveryRequest } from '../../delivery/delivery-request.js';
import type { SegmentMessage } from '../../domain/segment-message.js';
import { templates } from '../../journeys/templates.js';
import { deliveryRequest } from '../helpers/delivery-request.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { startTwilioPeer, type TwilioPeer } from '../helpers/twilio-peer.js';

/**
 * SMS and webhook providers that hang after taking the request. The per-request bound is 1 s here
 * (production: 30 s); the deliver activity's attempts are replayed as Temporal makes them. SMS is
 * at-most-once (Twilio has no idempotency key): a request that may have been taken is never made
 * again. A webhook is at-least-once: the retry carries the same Idempotency-Key.
 */
const boundMs = 1_000;
const holdMs = 3_000;

describe('SMS and webhook providers that hang', () => {
  let database: TestDatabase;
  let twilioPeer: TwilioPeer;
  let hooks: http.Server;
  let hookUrl = '';
  const calls: { idempotencyKey: string; at: number }[] = [];
  beforeAll(async () => {
    [database, twilioPeer] = await Promise.all([createTestDatabase(), startTwilioPeer()]);
    // A receiver that takes each first request, then answers it only after `holdMs`.
    const seen = new Set<string>();
    hooks = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const key = String(req.headers['idempotency-key']);
        calls.push({ idempotencyKey: key, at: Date.now() });
        const first = !seen.has(key);
        seen.add(key);
        if (first) setTimeout(() => res.writeHead(204).end(), holdMs);
        else res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
    const address = hooks.address();
    hookUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hooks`;
  });
  afterAll(async () => {
    hooks?.closeAllConnections();
    await new Promise<void>((resolve) => (hooks ? hooks.close(() => resolve()) : resolve()));
    await twilioPeer?.close();
    await database?.drop();
  });

  const pipeline = () =>
    createDeliveryPipeline({
      db: database.db,
      adapters: [
        createSmsAdapter({
          accountSid: twilioPeer.accountSid,
          authToken: twilioPeer.authToken,
          from: '+15005550006',
          apiBaseUrl: twilioPeer.url,
          timeoutMs: boundMs,
        }),
        createWebhookAdapter({ url: hookUrl, secret: 'w'.repeat(40), timeoutMs: boundMs }),
      ],
      templates,
      logger: pino({ level: 'silent' }),
      now: () => new Date('2026-11-20T12:00:00Z'),
    });
  const customer = async (traits: Record<string, unknown>) => {
    const message = {
      type: 'identify',
      userId: `u-${randomUUID()}`,
      traits,
      context: { timezone: 'UTC' },
      messageId: randomUUID(),
    } as SegmentMessage;
    const stored = await ingestMessage(database.db, message, { receivedAt: new Date() });
    if (stored.outcome !== 'stored') throw new Error('not stored');
    return stored.customer.id;
  };
  /** The activity's attempts, as Temporal makes them, until one returns (at most 5). */
  const withRetries = async (step: DeliveryRequest) => {
    const mail = pipeline();
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      try {
        return {
          outcome: await mail.deliver(step, { attempt }),
          attempts: attempt,
          lastMs: Date.now() - started,
        };
      } catch (error) {
        if (attempt >= 5) throw error;
      }
    }
  };
  const rowsOf = (step: DeliveryRequest) =>
    database.db.select().from(deliveries).where(eq(deliveries.dedupKey, step.dedupKey));

  it('Twilio takes the message and hangs: cut off at the bound, recorded failed (outcome unknown), never sent again', async () => {
    const id = await customer({ phone: '+14155550141', consent: { sms: 'subscribed' } });
    const step = deliveryRequest(id, {
      channels: ['sms'],
      template: 'cart-incentive',
      category: 'transactional',
      onOutage: 'retry',
    });
    twilioPeer.holdNext(1, holdMs);
    const started = Date.now();
    const { outcome, attempts } = await withRetries(step);
    const took = Date.now() - started;
    expect(outcome).toMatchObject({ status: 'failed', channel: 'sms' });
    expect(outcome.reason).toMatch(/outcome unknown/);
    expect(attempts).toBe(1); // at-most-once: no second request to a provider that may have the first
    expect(took).toBeLessThan(holdMs);
    await sleep(holdMs + 300); // the late answer arrives and changes nothing
    expect(twilioPeer.messages.filter((m) => m.To === '+14155550141')).toHaveLength(1);
    const rows = await rowsOf(step);
    expect(rows.map((row) => row.status)).toEqual(['failed']);
  });

  it('a webhook receiver that hangs: cut off at the bound, retried with the same Idempotency-Key, sent', async () => {
    const id = await customer({});
    const step = deliveryRequest(id, {
      channels: ['webhook'],
      template: 'cart-reminder',
      category: 'transactional',
    });
    const before = calls.length;
    const { outcome, attempts, lastMs } = await withRetries(step);
    expect(outcome).toMatchObject({ status: 'sent', channel: 'webhook' });
    expect(attempts).toBe(2);
    expect(lastMs).toBeLessThan(holdMs);
    const mine = calls.slice(before);
    expect(mine).toHaveLength(2);
    expect(new Set(mine.map((call) => call.idempotencyKey)).size).toBe(1);
    const rows = await rowsOf(step);
    expect(rows.filter((row) => row.status === 'reserved' || row.status === 'sending')).toEqual([]);
    expect(rows.filter((row) => row.status === 'sent')).toHaveLength(1);
  });
});
