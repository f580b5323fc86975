import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveries } from '../../db/schema.js';
import { signatureHeader, verifyWebhook } from '../../delivery/channels/webhook.js';
import { defineJourney } from '../../journeys/define-journey.js';
import { reportFigures, sized } from './chaos-figures.js';
import { createChaosRig, eventually, inLanes, type ChaosRig } from './chaos-rig.js';

const reminder = (onOutage: 'retry' | 'nextChannel') => ({
  id: 'remind',
  type: 'send' as const,
  template: 'cart-reminder',
  channels: ['email' as const, 'webhook' as const],
  intentKey: `outage-${onOutage}`,
  onOutage,
});
const waitsForEmail = defineJourney({
  id: 'outage-retry',
  name: 'Outage: email waits for its provider',
  trigger: { event: 'Outage Retry' },
  steps: [{ ...reminder('retry'), channels: ['email'] }],
});
const reroutes = defineJourney({
  id: 'outage-reroute',
  name: 'Outage: email down, go to the next channel',
  trigger: { event: 'Outage Reroute' },
  steps: [reminder('nextChannel')],
});

/** A receiver for the webhook channel that checks each signature and keeps what arrived. */
async function startWebhookReceiver(secret: string) {
  const received: { key: string; customerId: string; valid: boolean }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { customerId: string };
      received.push({
        key: String(req.headers['idempotency-key']),
        customerId: parsed.customerId,
        valid: verifyWebhook(secret, body, String(req.headers[signatureHeader] ?? '')),
      });
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('provider outage', () => {
  const customers = sized(10, 100);
  const outageMs = sized(6_000, 15_000);
  const secret = randomBytes(32).toString('hex');
  let rig: ChaosRig;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  beforeAll(async () => {
    hook = await startWebhookReceiver(secret);
    rig = await createChaosRig([waitsForEmail, reroutes]);
    rig.startWorker({ WEBHOOK_URL: hook.url, WEBHOOK_SECRET: secret });
  });
  afterAll(async () => {
    await rig?.close();
    await hook?.close();
  });

  const shoppers = async (prefix: string) => {
    const users = Array.from({ length: customers }, (_, i) => `${prefix}-${i}`);
    await inLanes(customers, 8, async (i) => {
      const userId = users[i];
      expect(
        await rig.post('identify', {
          userId,
          messageId: `${userId}-identify`,
          traits: { email: `${userId}@chaos.test`, name: `Shopper ${i}` },
          context: { timezone: rig.zone },
        }),
      ).toBe(200);
      expect(
        await rig.post('track', {
          userId,
          messageId: `${userId}-cart`,
          event: 'Product Added',
          properties: { cart_id: `c-${userId}`, product_id: 'lamp', name: 'Lamp', price: 40, quantity: 1 },
        }),
      ).toBe(200);
    });
    return users;
  };
  const ledgerOf = (journeyId: string) =>
    rig.database.db.select().from(deliveries).where(eq(deliveries.journeyId, journeyId));
  const mailsTo = (users: string[]) =>
    rig.smtp.messages.filter((mail) => {
      const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
      return users.includes((to?.value[0]?.address ?? '').split('@')[0] ?? '');
    });

  it('SMTP down for a while: sends retry with backoff and go out once after it is back', async () => {
    const users = await shoppers('retry');
    await rig.smtp.down();
    await inLanes(customers, 8, async (i) => {
      expect(await rig.post('track', { userId: users[i], event: 'Outage Retry', messageId: `r-${i}` })).toBe(
        200,
      );
    });
    // While it is down every send is held as "reserved", retrying, never dropped.
    const held = await eventually(
      () => ledgerOf(waitsForEmail.id),
      (rows) =>
        rows.length === customers &&
        rows.every((row) => row.status === 'reserved' && /^retrying: SMTP/.test(row.reason ?? '')),
      60_000,
      'every send retrying',
    );
    await sleep(outageMs);
    await rig.smtp.up();
    const statuses = await eventually(
      () => rig.runStatuses(waitsForEmail.id),
      (map) => map.size === customers && [...map.values()].every((status) => status === 'completed'),
      120_000,
      'every run completed after the outage',
    );
    const rows = await ledgerOf(waitsForEmail.id);
    const mails = mailsTo(users);
    const distinct = new Set(mails.map((mail) => mail.messageId));
    await reportFigures('provider outage (retry)', {
      customers,
      'outage s': outageMs / 1000,
      'held while down': held.length,
      'runs completed': [...statuses.values()].length,
      'messages expected': customers,
      delivered: distinct.size,
      duplicated: mails.length - distinct.size,
      lost: customers - distinct.size,
    });
    expect(rows.map((row) => row.status)).toEqual(Array(customers).fill('sent'));
    expect(distinct.size).toBe(customers);
    expect(mails).toHaveLength(customers);
  }, 300_000);

  it('SMTP down with onOutage nextChannel: rerouted to the webhook at once, each message once', async () => {
    const users = await shoppers('reroute');
    const ids = new Set(await Promise.all(users.map((user) => rig.customerIdOf(user))));
    await rig.smtp.down();
    await inLanes(customers, 8, async (i) => {
      expect(
        await rig.post('track', { userId: users[i], event: 'Outage Reroute', messageId: `n-${i}` }),
      ).toBe(200);
    });
    const statuses = await eventually(
      () => rig.runStatuses(reroutes.id),
      (map) => map.size === customers && [...map.values()].every((status) => status === 'completed'),
      60_000,
      'every run completed during the outage',
    );
    await rig.smtp.up();
    const rows = await ledgerOf(reroutes.id);
    const arrived = hook.received.filter((message) => ids.has(message.customerId));
    const keys = new Set(arrived.map((message) => message.key));
    await reportFigures('provider outage (next channel)', {
      customers,
      'runs completed': statuses.size,
      'rerouted to webhook': keys.size,
      duplicated: arrived.length - keys.size,
      lost: customers - keys.size,
      'bad signatures': arrived.filter((message) => !message.valid).length,
    });
    expect(keys.size).toBe(customers);
    expect(arrived).toHaveLength(customers);
    expect(arrived.every((message) => message.valid)).toBe(true);
    // The ledger tells the story: email failed as an outage, the webhook carried the message.
    expect(rows.filter((row) => row.status === 'sent' && row.channel === 'webhook')).toHaveLength(customers);
    expect(
      rows.filter(
        (row) =>
          row.status === 'failed' && row.channel === 'email' && /^transient: SMTP/.test(row.reason ?? ''),
      ),
    ).toHaveLength(customers);
    expect(mailsTo(users)).toHaveLength(0);
  }, 300_000);
});
