import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { consents, deliveries, pushSubscriptions } from '../db/schema.js';
import { createPushAdapter } from '../delivery/channels/push.js';
import type { DeliveryRequest } from '../delivery/delivery-request.js';
import { delivererFromConfig } from '../delivery/from-config.js';
import { checkTemplate } from '../delivery/render-message.js';
import { zoneWhereItIs } from '../domain/local-time.js';
import { ingestMessage } from '../customers/ingest-message.js';
import type { SegmentMessage } from '../domain/segment-message.js';
import { startTestApi, type TestApi } from './helpers/api.js';
import { emailPipeline } from './helpers/email-pipeline.js';
import { startPushPeer, type PushPeer } from './helpers/push-peer.js';
import { startSmtpPeer, type SmtpPeer } from './helpers/smtp-peer.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { deliveryRequest } from './helpers/delivery-request.js';

/** What a worker sends, or refuses to, for compliance: unsubscribe links, the shop's URL. */
describe('compliance: marketing sends through the worker’s own delivery composition', () => {
  let database: TestDatabase;
  let smtp: SmtpPeer;
  let pushPeer: PushPeer;
  let api: TestApi;
  beforeAll(async () => {
    [database, smtp, pushPeer] = await Promise.all([createTestDatabase(), startSmtpPeer(), startPushPeer()]);
    api = await startTestApi(database.db);
  });
  afterAll(async () => {
    await api?.close();
    await pushPeer?.close();
    await smtp?.close();
    await database?.drop();
  });

  /** A worker's deliverer built from environment variables, as `omnijourney worker` builds it. */
  const worker = (
    env: Record<string, string>,
    adapters?: Parameters<typeof delivererFromConfig>[0]['adapters'],
  ) => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) });
    const config = loadConfig(env);
    const deliverer = delivererFromConfig({
      config,
      secrets: config.secrets,
      db: database.db,
      logger: pino({ level: 'info' }, sink),
      publicBaseUrl: config.api.publicBaseUrl ?? `http://${config.api.host}:${config.api.port}`,
      adapters,
    });
    return { deliverer, lines };
  };
  const customer = async (traits: Record<string, unknown>) => {
    const message = {
      type: 'identify',
      userId: `u-${randomUUID()}`,
      traits,
      context: { timezone: zoneWhereItIs(13, new Date()) },
      messageId: randomUUID(),
    } as SegmentMessage;
    const stored = await ingestMessage(database.db, message, { receivedAt: new Date() });
    if (stored.outcome !== 'stored') throw new Error('not stored');
    return stored.customer.id;
  };
  const request = (customerId: string, extra: Partial<DeliveryRequest> = {}): DeliveryRequest =>
    deliveryRequest(customerId, {
      dedupKey: `journey/c/${customerId}/${randomUUID()}/step`,
      workflowId: 'w',
      stepId: 'step',
      quietHours: 'skip',
      ...extra,
    });
  const mailsTo = (address: string) => smtp.messages.filter((m) => JSON.stringify(m.to).includes(address));
  const ledgerOf = async (dedupKey: string) =>
    (await database.db.select().from(deliveries).where(eq(deliveries.dedupKey, dedupKey)))[0];

  it('a worker without UNSUBSCRIBE_SECRET or PUBLIC_BASE_URL says so once at start and refuses marketing, with the reason in the ledger', async () => {
    const { deliverer, lines } = worker({ SMTP_URL: smtp.url });
    const refusals = lines.filter((l) => l.includes('marketing refused'));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toContain('UNSUBSCRIBE_SECRET and PUBLIC_BASE_URL are not set');

    const id = await customer({ email: 'refused@example.test' });
    const marketing = request(id);
    const outcome = await deliverer.deliver(marketing);
    expect(outcome).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('marketing refused'),
    });
    expect(await ledgerOf(marketing.dedupKey)).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('UNSUBSCRIBE_SECRET and PUBLIC_BASE_URL are not set'),
    });
    expect(mailsTo('refused@example.test')).toEqual([]);

    // Only the secret missing: refused too, naming it. Transactional mail still goes out.
    const half = worker({ SMTP_URL: smtp.url, PUBLIC_BASE_URL: api.url });
    expect(
      half.lines.filter((l) => l.includes('marketing refused: UNSUBSCRIBE_SECRET is not set')),
    ).toHaveLength(1);
    expect(await half.deliverer.deliver(request(id))).toMatchObject({ status: 'skipped' });
    const receipt = request(id, { template: 'order-thank-you', category: 'transactional' });
    expect(await half.deliverer.deliver(receipt)).toMatchObject({ status: 'sent', channel: 'email' });
    expect(mailsTo('refused@example.test')).toHaveLength(1);
  });

  it('marketing mail carries a visible unsubscribe link for that customer, and a multipart POST to it unsubscribes', async () => {
    const { deliverer, lines } = worker({
      SMTP_URL: smtp.url,
      PUBLIC_BASE_URL: api.url,
      UNSUBSCRIBE_SECRET: api.secrets.unsubscribeSecret,
      SHOP_URL: 'https://shop.example.com',
    });
    expect(lines.filter((l) => l.includes('refused') || l.includes('SHOP_URL'))).toEqual([]);
    const id = await customer({ email: 'linked@example.test', consent: { email: true } });
    expect(await deliverer.deliver(request(id))).toMatchObject({ status: 'sent' });
    const [mail] = mailsTo('linked@example.test');
    const link = /<a href="([^"]+)">Unsubscribe<\/a>/.exec(String(mail?.html))?.[1];
    expect(link).toMatch(new RegExp(`^${api.url}/unsubscribe\\?token=v1\\.`));
    expect(mail?.text).toContain(`Unsubscribe: ${link}`);
    const form = new FormData();
    form.append('List-Unsubscribe', 'One-Click');
    expect((await fetch(link!, { method: 'POST', body: form })).status).toBe(200);
    const [consent] = await database.db.select().from(consents).where(eq(consents.customerId, id));
    expect(consent).toMatchObject({ channel: 'email', status: 'unsubscribed', source: 'one-click' });
  });

  it('a marketing email template without an unsubscribe link is refused, naming it, and never sent', async () => {
    const promo = {
      email: { subject: 'Sale', html: '<p>Everything half price</p>', text: 'Everything half price' },
    };
    expect(checkTemplate('summer-sale', promo)).toEqual([
      {
        path: 'templates.summer-sale.email.html',
        message:
          'marketing email template "summer-sale" has no visible unsubscribe link: add <a href="{{ unsubscribe_url }}">Unsubscribe</a>',
      },
      {
        path: 'templates.summer-sale.email.text',
        message:
          'marketing email template "summer-sale" has no visible unsubscribe link: add Unsubscribe: {{ unsubscribe_url }}',
      },
    ]);
    // A link hidden in a comment or with no text is not visible.
    const hidden = {
      ...promo.email,
      html: '<!-- {{ unsubscribe_url }} --><a href="{{ unsubscribe_url }}"></a>',
    };
    expect(checkTemplate('hidden', { email: hidden }).map((p) => p.path)).toContain(
      'templates.hidden.email.html',
    );
    expect(checkTemplate('receipt', promo, { transactionalOnly: true })).toEqual([]);

    const pipeline = emailPipeline(database.db, smtp.url, {
      templates: { 'summer-sale': promo },
      unsubscribe: { secret: api.secrets.unsubscribeSecret, baseUrl: api.url },
    });
    const id = await customer({ email: 'sale@example.test' });
    const sale = request(id, { template: 'summer-sale' });
    expect(await pipeline.deliver(sale)).toMatchObject({
      status: 'skipped',
      reason: 'email: template "summer-sale" rendered no unsubscribe link; a marketing email needs one',
    });
    expect((await ledgerOf(sale.dedupKey))?.status).toBe('skipped');
    expect(mailsTo('sale@example.test')).toEqual([]);
  });

  it('a push opens the SHOP_URL, decrypted at the push service', async () => {
    const vapid = { subject: 'mailto:ops@example.test', ...webpush.generateVAPIDKeys() };
    const { deliverer } = worker(
      {
        PUBLIC_BASE_URL: api.url,
        UNSUBSCRIBE_SECRET: api.secrets.unsubscribeSecret,
        SHOP_URL: 'https://shop.example.com/',
        VAPID_PUBLIC_KEY: vapid.publicKey,
        VAPID_PRIVATE_KEY: vapid.privateKey,
      },
      [createPushAdapter({ vapid, agent: pushPeer.agent })],
    );
    const id = await customer({});
    const subscription = pushPeer.subscribe();
    await database.db
      .insert(pushSubscriptions)
      .values({ customerId: id, endpoint: subscription.endpoint, ...subscription.keys });
    expect(await deliverer.deliver(request(id, { channels: ['push'] }))).toMatchObject({ status: 'sent' });
    const got = pushPeer.received.find((r) => r.endpoint === subscription.endpoint);
    expect(got?.payload).toMatchObject({ url: 'https://shop.example.com/cart' });
  });

  it('SMS configured without PUBLIC_BASE_URL: one warning at start', () => {
    const { lines } = worker({
      TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'token',
      TWILIO_FROM: '+15005550006',
      UNSUBSCRIBE_SECRET: api.secrets.unsubscribeSecret,
    });
    expect(lines.filter((l) => l.includes('SMS is configured without PUBLIC_BASE_URL'))).toHaveLength(1);
  });
});
