import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq, inArray } from 'drizzle-orm';
import { pino } from 'pino';
import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveries, journeyRuns, pushSubscriptions } from '../../db/schema.js';
import { providerTimeouts } from '../../delivery/channel-adapter.js';
import { deployJourneys } from '../../catalog/journey-catalog.js';
import { journeyVersion } from '../../catalog/journey-version.js';
import { createEmailAdapter } from '../../delivery/channels/email.js';
import { createPushAdapter } from '../../delivery/channels/push.js';
import { createDeliveryPipeline } from '../../delivery/delivery-pipeline.js';
import { allowPushPeer } from '../../delivery/push-endpoints.js';
import { zoneWhereItIs } from '../../domain/local-time.js';
import { templates } from '../../journeys/templates.js';
import { createJourneyHarness, type JourneyHarness } from '../helpers/journey-harness.js';
import { startPushPeer, type PushPeer } from '../helpers/push-peer.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';
import { journey, send } from '../helpers/steps.js';
import { connectDevServer, type DevServerClients } from '../helpers/temporal.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { startBlackHole, startWithholdingSmtpPeer } from '../helpers/withholding-smtp-peer.js';
import { reportFigures, sized } from './chaos-figures.js';
import { dedupKeyOf, eventually, inLanes } from './chaos-rig.js';

/**
 * Hanging providers through the whole path: API → router → Temporal (the dev server) → worker →
 * deliver activity (its timeouts, heartbeats and retries) → the real pipeline and adapters.
 * Full size (`npm run test:chaos`): the production bounds (SMTP reply 30 s, push request 30 s) and
 * an SMTP peer that withholds its final reply 150 s. Regular size: 1 s bounds, a 5 s hold.
 */
const full = sized(false, true);
const holdMs = full ? 150_000 : 5_000;
const emailTimeouts = full ? providerTimeouts : { connectMs: 1_000, responseMs: 1_000 };
const pushTimeoutMs = full ? providerTimeouts.responseMs : 1_000;
/** Stated bound for the push fallback: the push request's bound, then the email send (margin for a loaded machine). */
const fallbackBoundMs = pushTimeoutMs + 10_000;
const messages = 50;

const receipt = journey({
  id: 'hang-receipt',
  trigger: { event: 'Hang Order', entryKey: 'trigger.properties.order_id' },
  steps: [send({ id: 'receipt', template: 'order-thank-you', category: 'transactional' })],
});
/** Renders for everyone except a customer whose `layout` trait names a partial that does not exist. */
const fragile = {
  email: {
    subject: '{% if profile.traits.layout %}{% include profile.traits.layout %}{% endif %}Your order',
    html: '<p>Thanks</p>',
    text: 'Thanks',
  },
};
const twoSends = journey({
  id: 'hang-render',
  trigger: { event: 'Render Order' },
  steps: [
    send({ id: 'fragile', template: 'fragile', category: 'transactional' }),
    send({ id: 'after', template: 'order-thank-you', category: 'transactional' }),
  ],
});
const nudge = journey({
  id: 'hang-nudge',
  trigger: { event: 'Hang Nudge' },
  steps: [
    send({ id: 'nudge', template: 'cart-reminder', channels: ['push', 'email'] }),
    send({ id: 'after', template: 'order-thank-you', category: 'transactional' }),
  ],
});

describe('providers that hang, through Temporal', () => {
  let temporal: DevServerClients;
  let database: TestDatabase;
  let smtp: SmtpPeer;
  let pushPeer: PushPeer;
  let withholding: Awaited<ReturnType<typeof startWithholdingSmtpPeer>>;
  let hole: Awaited<ReturnType<typeof startBlackHole>>;
  let disallow: () => void;
  const harnesses: JourneyHarness[] = [];
  const zone = zoneWhereItIs(13, new Date());
  const vapid = { subject: 'mailto:ops@example.test', ...webpush.generateVAPIDKeys() };

  /** A worker whose email goes to `smtpUrl` and push through the black hole's peer agent. */
  const harnessFor = async (smtpUrl: string) => {
    const pipeline = createDeliveryPipeline({
      db: database.db,
      adapters: [
        createEmailAdapter({
          smtpUrl,
          from: 'Shop <shop@example.test>',
          messageIdDomain: 'example.test',
          timeouts: emailTimeouts,
        }),
        createPushAdapter({ vapid, agent: pushPeer.agent, timeoutMs: pushTimeoutMs }),
      ],
      templates: { ...templates, fragile },
      logger: pino({ level: 'silent' }),
      unsubscribe: { secret: 'u'.repeat(64), baseUrl: 'http://127.0.0.1:3000' },
    });
    const harness = await createJourneyHarness(temporal, database, { deliverer: pipeline });
    harnesses.push(harness);
    return harness;
  };

  beforeAll(async () => {
    [temporal, database, smtp, pushPeer, withholding, hole] = await Promise.all([
      connectDevServer(),
      createTestDatabase(),
      startSmtpPeer(),
      startPushPeer(),
      startWithholdingSmtpPeer(holdMs),
      startBlackHole(),
    ]);
    // A loopback endpoint is refused unless explicitly allowed, as a test or demo peer.
    disallow = allowPushPeer(`https://127.0.0.1:${hole.port}`);
  });
  afterAll(async () => {
    disallow?.();
    for (const harness of harnesses) await harness.close();
    await Promise.all([withholding?.close(), hole?.close(), smtp?.close(), pushPeer?.close()]);
    await temporal?.close();
    await database?.drop();
  }, 60_000);

  const runsOf = (journeyId: string) =>
    database.db.select().from(journeyRuns).where(eq(journeyRuns.journeyId, journeyId));
  const unfinished = async (customerIds: string[]) =>
    (await database.db.select().from(deliveries).where(inArray(deliveries.customerId, customerIds))).filter(
      (row) => row.status === 'reserved' || row.status === 'sending',
    );

  it(`SMTP withholds its final reply ${holdMs / 1000} s: ${messages} messages delivered exactly once, none after its run ended`, async () => {
    const harness = await harnessFor(withholding.url);
    await harness.deploy([receipt]);
    const users = Array.from({ length: messages }, (_, i) => `hang-${i}-${randomUUID().slice(0, 8)}`);
    const started = Date.now();
    await inLanes(messages, 8, async (i) => {
      await harness.identify(users[i]!, { email: `${users[i]}@example.test` }, { timezone: zone });
      await harness.track(users[i]!, 'Hang Order', { order_id: `o-${i}` });
    });
    const runs = await eventually(
      () => runsOf(receipt.id),
      (rows) => rows.length === messages && rows.every((row) => row.status !== 'running'),
      holdMs + 120_000,
      'every run ended',
    );
    const endedAt = new Map(runs.map((row) => [row.workflowId, row.endedAt?.getTime() ?? 0]));
    const seconds = (Date.now() - started) / 1000;
    // Every first copy was withheld: wait until each withheld reply fell due (dropped, or accepted late).
    await eventually(
      async () => withholding.pending(),
      (pending) => pending === 0,
      holdMs + 60_000,
      'every withheld reply due',
    );

    const workflowOf = (messageId: string) => dedupKeyOf(messageId).split('/').slice(0, -2).join('/');
    const late = withholding.accepted.filter(
      (mail) => mail.at > (endedAt.get(workflowOf(mail.messageId)) ?? 0),
    );
    const sent = (
      await database.db.select().from(deliveries).where(eq(deliveries.journeyId, receipt.id))
    ).filter((row) => row.status === 'sent');
    await reportFigures('SMTP hang through Temporal', {
      messages,
      'hold s': holdMs / 1000,
      'reply bound s': emailTimeouts.responseMs / 1000,
      'seconds to all runs ended': seconds.toFixed(1),
      accepted: withholding.accepted.length,
      distinct: new Set(withholding.accepted.map((mail) => mail.messageId)).size,
      'dropped (client gone before the reply)': withholding.dropped(),
      'after its run ended': late.length,
    });
    expect(runs.map((row) => row.status)).toEqual(Array(messages).fill('completed'));
    // One message each: one Message-ID each. With the regular 1 s bound a loaded machine can cut off a
    // retry whose reply was already on its way: that copy is re-handed with the same Message-ID (the
    // email crash window). With the production bounds, nothing is handed twice.
    expect(new Set(withholding.accepted.map((mail) => mail.messageId)).size).toBe(messages);
    if (full) expect(withholding.accepted).toHaveLength(messages);
    expect(withholding.dropped()).toBeGreaterThanOrEqual(messages);
    expect(late).toEqual([]);
    expect(sent).toHaveLength(messages);
    const customerIds = runs.map((row) => row.customerId ?? '');
    expect(await unfinished(customerIds)).toEqual([]);
  }, 600_000);

  it(`a black-hole push endpoint: the marketing step falls back to email within ${fallbackBoundMs / 1000} s, the run completes, no row left reserved`, async () => {
    const harness = await harnessFor(smtp.url);
    await harness.deploy([nudge]);
    const user = `hole-${randomUUID().slice(0, 8)}`;
    await harness.identify(user, { email: `${user}@example.test` }, { timezone: zone });
    const customerId = await harness.customerId(user);
    const subscription = pushPeer.subscribe();
    const endpoint = `https://127.0.0.1:${hole.port}/push/${randomUUID()}`;
    await database.db.insert(pushSubscriptions).values({ customerId, endpoint, ...subscription.keys });
    const started = Date.now();
    await harness.track(user, 'Hang Nudge', { cart_id: 'c-1' });
    const [run] = await eventually(
      () => runsOf(nudge.id),
      (rows) => rows.some((row) => row.customerId === customerId && row.status !== 'running'),
      fallbackBoundMs + 60_000,
      'the run ended',
    );
    const rows = await database.db.select().from(deliveries).where(eq(deliveries.customerId, customerId));
    const nudged = rows.find((row) => row.stepId === 'nudge' && row.status === 'sent');
    const tookMs = (nudged?.updatedAt.getTime() ?? Infinity) - started;
    await reportFigures('black-hole push through Temporal', {
      'push bound s': pushTimeoutMs / 1000,
      'fallback to email ms': tookMs,
      'bound ms': fallbackBoundMs,
    });
    expect(run?.status).toBe('completed');
    expect(nudged?.channel).toBe('email');
    expect(rows.find((row) => row.stepId === 'nudge' && row.status === 'failed')?.reason).toMatch(
      /^transient: push/,
    );
    expect(rows.find((row) => row.stepId === 'after')?.status).toBe('sent');
    expect(tookMs).toBeLessThan(fallbackBoundMs);
    expect(smtp.messages.filter((mail) => JSON.stringify(mail.to).includes(user))).toHaveLength(2);
    expect(await unfinished([customerId])).toEqual([]);
    await sleep(200);
    expect(hole.openConnections()).toBe(0);
  }, 300_000);

  it('a template that fails to render for one customer: that step failed with the reason, the run goes on, others unaffected', async () => {
    const harness = await harnessFor(smtp.url);
    // The catalogue refuses a template it does not know: deployed as a worker would meet it.
    await deployJourneys(database.db, [{ definition: twoSends, version: journeyVersion(twoSends) }]);
    const broken = `render-broken-${randomUUID().slice(0, 8)}`;
    const fine = `render-fine-${randomUUID().slice(0, 8)}`;
    await harness.identify(
      broken,
      { email: `${broken}@example.test`, layout: 'no-such-layout' },
      { timezone: zone },
    );
    await harness.identify(fine, { email: `${fine}@example.test` }, { timezone: zone });
    const ids = [await harness.customerId(broken), await harness.customerId(fine)];
    await harness.track(broken, 'Render Order');
    await harness.track(fine, 'Render Order');
    const runs = await eventually(
      () => runsOf(twoSends.id),
      (rows) => rows.length === 2 && rows.every((row) => row.status !== 'running'),
      60_000,
      'both runs ended',
    );
    expect(runs.map((row) => row.status)).toEqual(['completed', 'completed']);
    const rows = await database.db.select().from(deliveries).where(inArray(deliveries.customerId, ids));
    const of = (id: string | undefined, step: string) =>
      rows.find((row) => row.customerId === id && row.stepId === step);
    expect(of(ids[0], 'fragile')).toMatchObject({ status: 'failed' });
    expect(of(ids[0], 'fragile')?.reason).toMatch(/render.*template "fragile" did not render/);
    expect(of(ids[0], 'after')?.status).toBe('sent'); // the run went on to its next step
    expect(of(ids[1], 'fragile')?.status).toBe('sent');
    expect(of(ids[1], 'after')?.status).toBe('sent');
    const inbox = (user: string) => smtp.messages.filter((mail) => JSON.stringify(mail.to).includes(user));
    expect(inbox(broken)).toHaveLength(1);
    expect(inbox(fine)).toHaveLength(2);
  });
});
