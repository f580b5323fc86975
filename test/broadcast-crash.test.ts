import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBroadcast } from '../audiences/broadcast-store.js';
import { broadcastWorkflowId } from '../domain/broadcast.js';
import { createBroadcast, reportOf } from '../runs/broadcast-control.js';
import { audienceIndex, groupOf, seedAudience } from './helpers/broadcast-audience.js';
import { reportFigures, sized } from './chaos/chaos-figures.js';
import {
  createChaosRig,
  dedupKeyOf,
  eventually,
  type ChaosRig,
  type WorkerProcess,
} from './chaos/chaos-rig.js';

/**
 * Issue 20, acceptance 3: a broadcast to a segment (20,000 customers under CHAOS=full, 2,000 in the
 * regular suite) sent by `omnijourney worker` processes to the real SMTP peer, the worker killed
 * with SIGKILL twice mid-way and started again. Every eligible customer gets the message exactly
 * once (one Message-ID each at the peer, one `sent` row each); the unsubscribed, capped and
 * quiet-hours customers are recorded with their reasons (quiet hours deferred to a time); every
 * member has exactly one row (no duplicate, no gap); progress reaches 100 %.
 */
describe('a broadcast survives its worker being killed twice', () => {
  const audience = sized(2_000, 20_000);
  let rig: ChaosRig;
  let worker: WorkerProcess;
  beforeAll(async () => {
    rig = await createChaosRig([]);
    await seedAudience(rig.database.db, 'crash', audience);
  }, 300_000);
  afterAll(async () => {
    await rig?.close();
  }, 300_000);

  it(`${audience} customers, two kill -9 mid-way: each eligible one messaged once (one Message-ID each), the rest recorded with reasons`, async () => {
    const { db } = rig.database;
    const created = await createBroadcast(
      db,
      { client: rig.client, taskQueue: rig.taskQueue },
      {
        segment: 'crash',
        template: 'win-back',
        channels: ['email'],
        name: 'crash test',
        batchSize: sized(100, 500),
      },
    );
    const processed = async () => (await getBroadcast(db, created.id))?.processed ?? 0;
    const started = Date.now();
    worker = rig.startWorker();
    const kills: number[] = [];
    for (const share of [0.25, 0.6]) {
      await eventually(processed, (n) => n >= audience * share, 600_000, `${share * 100} % processed`);
      worker.child.kill('SIGKILL');
      await worker.exited;
      kills.push(await processed());
      worker = rig.startWorker();
    }
    const result = await rig.client.workflow.getHandle(broadcastWorkflowId(created.id)).result();
    const seconds = (Date.now() - started) / 1000;
    expect(result).toMatchObject({ status: 'completed', percent: 100, processed: audience });
    expect(kills[0]).toBeLessThan(audience);
    expect(kills[1]).toBeLessThan(audience);

    // The ledger: one row per member, none twice, none missing.
    const index = await audienceIndex(db, 'crash');
    const rows = await db.execute<{
      customer_id: string;
      status: string;
      reason: string | null;
      rule: string | null;
      deferred_until: Date | null;
      dedup_key: string;
    }>(
      sql`select customer_id, status, reason, rule, deferred_until, dedup_key from deliveries where workflow_id = ${broadcastWorkflowId(created.id)}`,
    );
    expect(rows.length).toBe(audience);
    expect(new Set(rows.map((r) => r.dedup_key)).size).toBe(audience);
    expect(new Set(rows.map((r) => r.customer_id))).toEqual(new Set(index.keys()));
    const expected = { plain: 0, unsubscribed: 0, capped: 0, quiet: 0 };
    for (const row of rows) {
      const group = groupOf(index.get(row.customer_id) ?? -1);
      expected[group]++;
      if (group === 'plain') expect(row.status).toBe('sent');
      if (group === 'unsubscribed')
        expect(row).toMatchObject({
          status: 'skipped',
          reason: 'no channel allowed: email: email unsubscribed',
        });
      if (group === 'capped') expect(row).toMatchObject({ status: 'skipped', rule: 'two-a-day' });
      if (group === 'quiet') {
        expect(row).toMatchObject({ status: 'deferred', rule: 'quiet-hours' });
        expect(row.deferred_until).not.toBeNull();
      }
    }

    // The peer: every eligible customer's message, once per Message-ID (the idempotency key).
    const mine = rig.smtp.messages.filter((mail) =>
      dedupKeyOf(mail.messageId ?? '').startsWith(`broadcast:${created.id}:`),
    );
    const ids = new Set(mine.map((mail) => mail.messageId));
    const recipients = new Set(
      mine.map((mail) => (Array.isArray(mail.to) ? mail.to[0] : mail.to)?.value[0]?.address),
    );
    expect(ids.size).toBe(expected.plain);
    expect(recipients.size).toBe(expected.plain);
    const report = await reportOf(db, created.id);
    expect(report.broadcast).toMatchObject({
      status: 'completed',
      processed: audience,
      audienceTotal: audience,
    });
    expect(report.progress.percent).toBe(100);
    await reportFigures('broadcast crash', {
      audience,
      sent: ids.size,
      'mails at the peer': mine.length,
      'resent after a kill (same Message-ID)': mine.length - ids.size,
      unsubscribed: expected.unsubscribed,
      capped: expected.capped,
      'quiet hours (deferred)': expected.quiet,
      'killed at processed': kills.join(' and '),
      seconds: seconds.toFixed(1),
    });
  }, 1_200_000);
});
