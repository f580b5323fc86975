import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveries, events, journeyRuns } from '../db/schema.js';
import { adminCall, eventually } from './helpers/admin.js';
import { emailPipeline } from './helpers/email-pipeline.js';
import { createJourneyHarness, type JourneyHarness } from './helpers/journey-harness.js';
import { startSmtpPeer, type SmtpPeer } from './helpers/smtp-peer.js';
import { journey, send, wait } from './helpers/steps.js';
import { connectDevServer, type DevServerClients } from './helpers/temporal.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

/** A short wait, then a transactional email (no quiet hours): held while the journey is paused. */
const held = journey({
  id: 'admin-hold',
  trigger: { event: 'Hold Started' },
  steps: [
    wait({ id: 'pause-here', duration: '2s' }),
    send({ id: 'mail', template: 'cart-reminder', channels: ['email'], category: 'transactional' }),
  ],
});
/** Waits an hour: ended by pause with `end` and by undeploy with `end`. */
const slow = journey({
  id: 'admin-slow',
  trigger: { event: 'Slow Started' },
  steps: [wait({ id: 'long-wait', duration: '1h' }), send({ id: 'late', template: 'cart-reminder' })],
});

/**
 * Issue 17, pause/resume/undeploy on the real dev server, the real router and the real delivery
 * pipeline (SMTP peer): a paused journey starts no run, holds its running runs' sends in the
 * ledger as `deferred` (journey paused) and sends them after resume; `end` cancels them; an
 * undeployed journey starts nothing and leaves the list, its history staying.
 */
describe('admin API: pausing, resuming and undeploying a journey', () => {
  let temporal: DevServerClients;
  let database: TestDatabase;
  let smtp: SmtpPeer;
  let harness: JourneyHarness;
  const call = (method: 'GET' | 'POST', path: string, body?: unknown) =>
    adminCall({ url: harness.api.url, adminToken: harness.adminToken }, method, path, body);
  beforeAll(async () => {
    [temporal, database, smtp] = await Promise.all([
      connectDevServer(),
      createTestDatabase(),
      startSmtpPeer(),
    ]);
    const pipeline = emailPipeline(database.db, smtp.url, { pausedRecheckMs: 300 });
    harness = await createJourneyHarness(temporal, database, { deliverer: pipeline });
    await harness.deploy([held, slow]);
  });
  afterAll(async () => {
    await harness?.close();
    await smtp?.close();
    await temporal?.close();
    await database?.drop();
  });

  const runsOf = (journeyId: string) =>
    database.db.select().from(journeyRuns).where(eq(journeyRuns.journeyId, journeyId));
  const ledgerOf = (customerId: string) =>
    database.db.select().from(deliveries).where(eq(deliveries.customerId, customerId));

  it('holds a running run’s send while paused, starts no new run, and sends after resume', async () => {
    await harness.identify('hold-1', { email: 'hold-1@example.test' });
    await harness.track('hold-1', 'Hold Started');
    const customerId = await harness.customerId('hold-1');
    await eventually(
      () => runsOf(held.id),
      (rows) => rows.length === 1,
    );

    const paused = await call('POST', `/admin/journeys/${held.id}/pause`, { runs: 'hold' });
    expect(paused.status).toBe(200);
    expect(await paused.json()).toEqual({
      journeyId: held.id,
      state: 'paused',
      runsEnded: 0,
      droppedEntries: 0,
    });

    // The send comes due during the pause: deferred with the reason, asked again, never sent; held
    // past the 5 deferrals other reasons get (then a send counts as skipped), as long as the pause.
    const heldRows = await eventually(
      () => ledgerOf(customerId),
      (rows) => rows.filter((row) => row.status === 'deferred').length >= 8,
    );
    expect(heldRows.filter((row) => row.status === 'deferred').length).toBeGreaterThanOrEqual(8);
    expect(heldRows.every((row) => row.status === 'deferred' && row.reason === 'journey paused')).toBe(true);
    expect(smtp.messages).toHaveLength(0);

    // A trigger while paused: stored, no run, counted as dropped.
    await harness.identify('hold-2', { email: 'hold-2@example.test' });
    await harness.track('hold-2', 'Hold Started');
    const stored = await database.db.select().from(events).where(eq(events.name, 'Hold Started'));
    expect(stored).toHaveLength(2);
    expect(await runsOf(held.id)).toHaveLength(1);
    const listed = (await (await call('GET', '/admin/journeys')).json()) as {
      journeys: { id: string; state: string; droppedEntries: number }[];
    };
    expect(listed.journeys.find((j) => j.id === held.id)).toMatchObject({
      state: 'paused',
      droppedEntries: 1,
    });

    const resumed = await call('POST', `/admin/journeys/${held.id}/resume`);
    expect(await resumed.json()).toEqual({
      journeyId: held.id,
      state: 'active',
      runsEnded: 0,
      droppedEntries: 1,
    });
    const sent = await eventually(
      () => ledgerOf(customerId),
      (rows) => rows.some((row) => row.status === 'sent'),
    );
    expect(sent.filter((row) => row.status === 'sent')).toHaveLength(1);
    await eventually(
      async () => smtp.messages.length,
      (n) => n === 1,
    );
    expect(JSON.stringify(smtp.messages[0]?.to)).toContain('hold-1@example.test');
    const [run] = await eventually(
      () => runsOf(held.id),
      (rows) => rows[0]?.status !== 'running',
    );
    expect(run?.status).toBe('completed');

    // Active again: the next trigger starts a run.
    await harness.track('hold-2', 'Hold Started');
    expect(
      await eventually(
        () => runsOf(held.id),
        (rows) => rows.length === 2,
      ),
    ).toHaveLength(2);
  });

  it('pause with runs "end" cancels the running runs with the reason "journey paused"', async () => {
    await harness.track('slow-1', 'Slow Started');
    await eventually(
      () => runsOf(slow.id),
      (rows) => rows.length === 1,
    );
    const response = await call('POST', `/admin/journeys/${slow.id}/pause`, { runs: 'end' });
    expect(await response.json()).toMatchObject({ state: 'paused', runsEnded: 1 });
    const [run] = await eventually(
      () => runsOf(slow.id),
      (rows) => rows[0]?.status === 'cancelled',
    );
    expect(run).toMatchObject({ status: 'cancelled', reason: 'journey paused' });
    expect((await call('POST', `/admin/journeys/${slow.id}/resume`)).status).toBe(200);
  });

  it('undeploy: no new runs, gone from the list, history kept; runs "end" cancels; deploying brings it back', async () => {
    await harness.track('slow-2', 'Slow Started');
    const customerId = await harness.customerId('slow-2');
    const mine = () =>
      database.db
        .select()
        .from(journeyRuns)
        .where(and(eq(journeyRuns.journeyId, slow.id), eq(journeyRuns.customerId, customerId)));
    await eventually(mine, (rows) => rows.length === 1);
    const response = await call('POST', `/admin/journeys/${slow.id}/undeploy`, { runs: 'end' });
    expect(await response.json()).toEqual({
      journeyId: slow.id,
      state: 'undeployed',
      runsEnded: 1,
      droppedEntries: 0,
    });
    expect((await eventually(mine, (rows) => rows[0]?.status === 'cancelled'))[0]?.reason).toBe(
      'journey undeployed',
    );

    const list = (await (await call('GET', '/admin/journeys')).json()) as { journeys: { id: string }[] };
    expect(list.journeys.map((j) => j.id)).not.toContain(slow.id);
    expect((await call('GET', `/admin/journeys/${slow.id}`)).status).toBe(404);
    expect((await call('GET', `/admin/journeys/${slow.id}/versions`)).status).toBe(200);
    const stats = await call('GET', `/admin/journeys/${slow.id}/stats`);
    expect(await stats.json()).toMatchObject({ journeyId: slow.id, entered: 2, outcomes: { cancelled: 2 } });
    const history = (await (await call('GET', `/admin/journeys/${slow.id}/runs`)).json()) as {
      runs: unknown[];
    };
    expect(history.runs).toHaveLength(2);

    await harness.track('slow-3', 'Slow Started');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await runsOf(slow.id)).toHaveLength(2);

    const redeployed = await call('POST', '/admin/journeys', slow);
    expect(await redeployed.json()).toMatchObject({ journeyId: slow.id, changed: false });
    const again = (await (await call('GET', '/admin/journeys')).json()) as { journeys: { id: string }[] };
    expect(again.journeys.map((j) => j.id)).toContain(slow.id);
  });
});
