import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { deliveries, identities, journeyRuns } from '../db/schema.js';
import type { RunStatus } from '../db/schema.js';
import { postJson, useApiWithDatabase, type TestApi } from './helpers/api.js';
import { emailPipeline } from './helpers/email-pipeline.js';
import { startSmtpPeer, type SmtpPeer } from './helpers/smtp-peer.js';
import type { TestDatabase } from './helpers/test-database.js';
import { deliveryRequest } from './helpers/delivery-request.js';

/**
 * The delivery guard after a merge, without the journey router (the real API merges the two
 * profiles; its router only records): a run that an earlier running run of its journey, customer
 * and entry key overtakes sends nothing, and a step a run merged into this one took is not taken
 * again. Real API, real PostgreSQL, the real pipeline and an SMTP peer.
 */
describe('the delivery guard after a merge (no router)', () => {
  const context = useApiWithDatabase();
  let database: TestDatabase;
  let api: TestApi;
  let smtp: SmtpPeer;
  beforeAll(async () => {
    ({ database, api } = context);
    smtp = await startSmtpPeer();
    return () => smtp.close();
  });

  const post = async (path: string, body: Record<string, unknown>) => {
    const response = await postJson(api, path, { messageId: randomUUID(), ...body });
    expect(response.status, await response.clone().text()).toBe(200);
  };
  const customerOf = async (kind: 'user_id' | 'anonymous_id', value: string) => {
    const [row] = await database.db
      .select()
      .from(identities)
      .where(and(eq(identities.kind, kind), eq(identities.value, value)));
    if (!row) throw new Error(`no customer for ${value}`);
    return row.customerId;
  };
  const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);
  const journeyId = 'abandoned-cart';
  const entryKey = 'cart-1';
  const run = async (customerId: string, startedMinutesAgo: number, status: RunStatus = 'running') => {
    const runId = randomUUID();
    const workflowId = `journey/${journeyId}/${customerId}/${entryKey}`;
    await database.db.insert(journeyRuns).values({
      runId,
      workflowId,
      journeyId,
      journeyVersion: 'v1',
      customerId,
      entryKey,
      status,
      startedAt: minutesAgo(startedMinutesAgo),
      endedAt: status === 'running' ? null : minutesAgo(1),
    });
    return { runId, workflowId, customerId };
  };
  // Intents and caps stay out of the way (a fresh intent each time): only the merge rules decide here.
  const request = (of: { runId: string; workflowId: string; customerId: string }, stepId: string) =>
    deliveryRequest(of.customerId, {
      dedupKey: `${of.workflowId}/${of.runId}/${stepId}`,
      journeyId,
      workflowId: of.workflowId,
      runId: of.runId,
      stepId,
      category: 'transactional',
      trigger: {
        messageId: 'm',
        name: 'Product Added',
        properties: {},
        occurredAt: minutesAgo(30).toISOString(),
      },
    });
  const mailsTo = (email: string) => smtp.messages.filter((m) => JSON.stringify(m.to ?? '').includes(email));

  it('skips the later of two running runs of one entry, counts a merged run’s step, lets re-entry send', async () => {
    const pipeline = emailPipeline(database.db, smtp.url);
    const [deviceA, deviceB, user] = [`a-${randomUUID()}`, `b-${randomUUID()}`, `u-${randomUUID()}`];
    const email = `${user}@example.test`;
    await post('/v1/identify', { anonymousId: deviceA, userId: user, traits: { email } });
    await post('/v1/track', { anonymousId: deviceB, event: 'Page Viewed' });
    const [a, b] = [await customerOf('user_id', user), await customerOf('anonymous_id', deviceB)];
    const keeper = await run(a, 20);
    const later = await run(b, 10);
    await post('/v1/identify', { anonymousId: deviceB, userId: user }); // B merges into A; no router reconciles
    expect(await customerOf('anonymous_id', deviceB)).toBe(a);

    // (a) The later run (asking as the merged customer) is skipped; the keeper sends.
    expect(await pipeline.deliver(request(later, 'reminder-1'))).toEqual({
      status: 'skipped',
      reason: `merged: run ${keeper.runId} goes on for this customer`,
    });
    expect(await pipeline.deliver(request(keeper, 'reminder-1'))).toMatchObject({ status: 'sent' });
    expect(mailsTo(email)).toHaveLength(1);

    // (b) A run merged into the keeper had taken reminder-2: the keeper reports it, sends nothing.
    const early = await run(a, 30);
    const first = await pipeline.deliver(request(early, 'reminder-2'));
    expect(first).toMatchObject({ status: 'sent' });
    await database.db
      .update(journeyRuns)
      .set({ status: 'merged', mergedIntoRunId: keeper.runId, endedAt: new Date() })
      .where(eq(journeyRuns.runId, early.runId));
    expect(await pipeline.deliver(request(keeper, 'reminder-2'))).toEqual(first);
    expect(mailsTo(email)).toHaveLength(2);
    const sent = await database.db.select().from(deliveries).where(eq(deliveries.status, 'sent'));
    expect(sent.map((row) => [row.runId, row.stepId]).sort()).toEqual(
      [
        [keeper.runId, 'reminder-1'],
        [early.runId, 'reminder-2'],
      ].sort(),
    );
  });

  it('does not hold back a run that re-entered after an earlier run of its entry ended', async () => {
    const pipeline = emailPipeline(database.db, smtp.url);
    const user = `u-${randomUUID()}`;
    const email = `${user}@example.test`;
    await post('/v1/identify', { userId: user, traits: { email } });
    const customerId = await customerOf('user_id', user);
    const ended = await run(customerId, 60);
    expect(await pipeline.deliver(request(ended, 'reminder-1'))).toMatchObject({ status: 'sent' });
    await database.db
      .update(journeyRuns)
      .set({ status: 'completed', endedAt: new Date() })
      .where(eq(journeyRuns.runId, ended.runId));
    const again = await run(customerId, 5);
    expect(await pipeline.deliver(request(again, 'reminder-1'))).toMatchObject({ status: 'sent' });
    expect(mailsTo(email)).toHaveLength(2);
  });
});
