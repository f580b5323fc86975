import { setTimeout as sleep } from 'node:timers/promises';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBroadcast } from '../audiences/broadcast-store.js';
import { deliveries } from '../db/schema.js';
import type { ChannelAdapter } from '../delivery/channel-adapter.js';
import { broadcastWorkflowId, deferredSendsWorkflowId } from '../domain/broadcast.js';
import { controlBroadcast, createBroadcast, reportOf } from '../runs/broadcast-control.js';
import { broadcastProgressOf } from '../workflows/broadcast/lifecycle.js';
import { seedAudience } from './helpers/broadcast-audience.js';
import { startTestApi } from './helpers/api.js';
import { startBroadcastWorker, type BroadcastWorker } from './helpers/broadcast-worker.js';
import type { DevServerClients } from './helpers/temporal.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

/**
 * The broadcast workflow on the dev server (real time) with a real worker and PostgreSQL: pause,
 * resume and cancel between batches, continue-as-new, a scheduled start, the audience fixed when it
 * begins. The provider is a recording adapter that takes 40 ms a message (so a pause lands mid-way).
 */
let database: TestDatabase;
let temporal: DevServerClients;
let taskQueue: string;
const sent = new Map<string, number>();
const slow: ChannelAdapter = {
  channel: 'email',
  crashWindow: 'at-least-once',
  async send({ recipient, idempotencyKey }) {
    await sleep(40);
    if (recipient.channel === 'email') sent.set(idempotencyKey, (sent.get(idempotencyKey) ?? 0) + 1);
    return { providerMessageId: idempotencyKey };
  },
};

async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, ms = 60_000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await sleep(100);
  }
}

let broadcastWorker: BroadcastWorker;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedAudience(database.db, 'everyone', 2_000);
  broadcastWorker = await startBroadcastWorker(database.db, slow);
  ({ temporal, taskQueue } = broadcastWorker);
}, 120_000);
afterAll(async () => {
  await broadcastWorker?.stop();
  await database?.drop();
});

const control = () => ({ client: temporal.client, taskQueue });
const processed = async (id: string) => (await getBroadcast(database.db, id))?.processed ?? 0;

describe('a broadcast workflow', () => {
  it('pauses and resumes between batches, continues as new, and reaches 100 % with one message per customer', async () => {
    const body = { segment: 'everyone', template: 'win-back', channels: ['email'], batchSize: 40 };
    const created = await createBroadcast(database.db, control(), body);
    await until(
      'a few batches',
      () => processed(created.id),
      (n) => n >= 200,
    );
    // A member who joins after it began is not in its audience.
    await database.db.execute(sql`
      insert into customers (id, traits) values ('ffffffff-ffff-4fff-bfff-ffffffffffff', '{}');
      insert into identities (customer_id, kind, value, verified_at)
        values ('ffffffff-ffff-4fff-bfff-ffffffffffff', 'email', 'late@broadcast.test', now());
      insert into segment_memberships (segment_id, customer_id, member, segment_version, entered_at, entries)
        values ('everyone', 'ffffffff-ffff-4fff-bfff-ffffffffffff', true, 'v1', now(), 1)`);
    await controlBroadcast(database.db, temporal.client, created.id, 'pause');
    const held = await until(
      'the pause',
      () => broadcastProgressOf(temporal.client, created.id),
      (v) => v?.status === 'paused',
    );
    await sleep(1_500);
    expect(await processed(created.id)).toBe(held?.processed);
    expect((await getBroadcast(database.db, created.id))?.status).toBe('paused');
    await controlBroadcast(database.db, temporal.client, created.id, 'resume');
    const result = await temporal.client.workflow.getHandle(broadcastWorkflowId(created.id)).result();
    expect(result).toMatchObject({
      status: 'completed',
      percent: 100,
      processed: 2_000,
      audienceTotal: 2_000,
    });
    const report = await reportOf(database.db, created.id);
    expect(report.broadcast).toMatchObject({ status: 'completed', processed: 2_000, audienceTotal: 2_000 });
    expect(report.progress).toMatchObject({ percent: 100, etaSeconds: 0 });
    const byStatus = Object.fromEntries(
      ['sent', 'skipped', 'deferred'].map((s) => [
        s,
        report.ledger.filter((r) => r.status === s).reduce((n, r) => n + r.count, 0),
      ]),
    );
    expect(byStatus).toEqual({ sent: 1_400, skipped: 400, deferred: 200 });
    // The 200 in quiet hours are sent when their window opens, by a workflow that waits for it.
    const deferredSends = temporal.client.workflow.getHandle(deferredSendsWorkflowId(created.id));
    expect((await deferredSends.describe()).status.name).toBe('RUNNING');
    await deferredSends.terminate('the test does not wait for the morning');
    const mine = [...sent.entries()].filter(([key]) => key.startsWith(`broadcast:${created.id}:`));
    expect(mine).toHaveLength(1_400);
    expect(mine.every(([, n]) => n === 1)).toBe(true);
    const late = await database.db
      .select()
      .from(deliveries)
      .where(eq(deliveries.dedupKey, `broadcast:${created.id}:ffffffff-ffff-4fff-bfff-ffffffffffff`));
    expect(late).toEqual([]);
    // 2,000 customers at 40 a page: 50 pages, so it continued as new at least once.
    const runs = await until(
      'the continued runs in visibility',
      async () =>
        (await temporal.client.workflow.count(`WorkflowId = '${broadcastWorkflowId(created.id)}'`)).count,
      (n) => n >= 2,
    );
    expect(runs).toBeGreaterThanOrEqual(2);
  }, 180_000);

  it('is cancelled mid-way: nothing more is decided or sent, and it says so', async () => {
    const created = await createBroadcast(database.db, control(), {
      segment: 'everyone',
      template: 'win-back',
      channels: ['email'],
      batchSize: 40,
      name: 'to cancel',
    });
    await until(
      'a batch',
      () => processed(created.id),
      (n) => n >= 80,
    );
    await controlBroadcast(database.db, temporal.client, created.id, 'cancel');
    const result = await temporal.client.workflow.getHandle(broadcastWorkflowId(created.id)).result();
    expect(result.status).toBe('cancelled');
    await sleep(500);
    const [{ n } = { n: 0 }] = await database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(deliveries)
      .where(eq(deliveries.workflowId, broadcastWorkflowId(created.id)));
    expect(n).toBeLessThan(2_000);
    expect(n).toBeGreaterThanOrEqual(80);
    const report = await reportOf(database.db, created.id);
    expect(report.broadcast.status).toBe('cancelled');
    await expect(controlBroadcast(database.db, temporal.client, created.id, 'resume')).rejects.toThrow(
      /is cancelled/,
    );
  }, 120_000);

  it('waits for its scheduled time', async () => {
    const at = new Date(Date.now() + 4_000);
    const created = await createBroadcast(database.db, control(), {
      segment: 'everyone',
      template: 'win-back',
      channels: ['email'],
      at: at.toISOString(),
      batchSize: 500,
    });
    await sleep(1_000);
    expect((await getBroadcast(database.db, created.id))?.status).toBe('scheduled');
    const result = await temporal.client.workflow.getHandle(broadcastWorkflowId(created.id)).result();
    expect(result.status).toBe('completed');
    const row = await getBroadcast(database.db, created.id);
    expect(row?.startedAt?.getTime()).toBeGreaterThanOrEqual(at.getTime());
  }, 120_000);

  it('the admin API: 400 naming each field, create, status, 409 once it has ended, list', async () => {
    const api = await startTestApi(database.db, { temporal: temporal.client, taskQueue });
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${api.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${api.secrets.adminToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    try {
      const bad = await call('POST', '/admin/broadcasts', {
        segment: 'nobody',
        template: 'win-back',
        channels: ['fax'],
      });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).toContain('channels');
      const unknown = await call('POST', '/admin/broadcasts', {
        segment: 'everyone2',
        template: 'win-back',
        channels: ['email'],
      });
      expect(unknown.status).toBe(400);
      expect(JSON.stringify(unknown.body)).toContain(
        'segment: no deployed segment \\"everyone2\\" (did you mean \\"everyone\\"?)',
      );
      const created = await call('POST', '/admin/broadcasts', {
        segment: 'everyone',
        template: 'win-back',
        channels: ['email'],
        batchSize: 500,
      });
      expect(created.status).toBe(200);
      const id = (created.body.broadcast as { id: string }).id;
      await temporal.client.workflow.getHandle(broadcastWorkflowId(id)).result();
      const status = await call('GET', `/admin/broadcasts/${id}`);
      expect(status.body).toMatchObject({ broadcast: { status: 'completed' }, progress: { percent: 100 } });
      expect((await call('POST', `/admin/broadcasts/${id}/pause`)).status).toBe(409);
      expect((await call('GET', '/admin/broadcasts/bc-0000000000')).status).toBe(404);
      const list = await call('GET', '/admin/broadcasts');
      expect(JSON.stringify(list.body)).toContain(id);
    } finally {
      await api.close();
    }
  }, 120_000);
});
