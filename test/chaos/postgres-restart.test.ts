import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Analytics } from '@segment/analytics-node';
import { eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, ensureDatabase, type DatabaseHandle } from '../../db/client.js';
import { migrateDatabase } from '../../db/migrate.js';
import { deliveries, events } from '../../db/schema.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../infra/embedded-postgres.js';
import { freePort } from '../../infra/free-port.js';
import { defineJourney } from '../../journeys/define-journey.js';
import { reportFigures, sized } from './chaos-figures.js';
import { createChaosRig, eventually, inLanes, type ChaosRig } from './chaos-rig.js';

const send = (id: string) => ({
  id,
  type: 'send' as const,
  template: 'order-thank-you',
  channels: ['email' as const],
  intentKey: `restart-${id}`,
});
const journey = defineJourney({
  id: 'restart-two-sends',
  name: 'Postgres restart: two sends a second apart',
  trigger: { event: 'Restart Start' },
  steps: [send('first'), { id: 'pause', type: 'wait', duration: '1s' }, send('second')],
});

/** A PostgreSQL of this test's own, stopped and started again under load. */
describe('PostgreSQL restart under load', () => {
  const runs = sized(20, 200);
  const segmentEvents = sized(20, 200);
  const downMs = sized(4_000, 8_000);
  let folder: string;
  let port: number;
  let server: EmbeddedPostgres;
  let handle: DatabaseHandle;
  let rig: ChaosRig;
  const start = () => startEmbeddedPostgres({ dataDir: path.join(folder, 'pg'), port, database: 'restart' });

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'omnijourney-restart-'));
    await chmod(folder, 0o755); // as root, Postgres runs as `postgres`, which must reach the cluster folder
    port = await freePort();
    server = await start();
    await ensureDatabase(server.adminUrl, 'restart');
    await migrateDatabase(server.url);
    handle = await connectDatabase(server.url, { poolSize: 10 });
    rig = await createChaosRig([journey], {
      database: { ...handle, url: server.url, name: 'restart', drop: () => handle.close() },
    });
  });
  afterAll(async () => {
    await rig?.close();
    await server?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  }, 300_000);

  it('activities retry, ingest answers 503 while it is down, the Segment client’s retries land; nothing lost or doubled', async () => {
    const users = await rig.identifyCustomers('restart', runs);
    const worker = rig.startWorker();
    await inLanes(runs, 8, async (i) => {
      expect(
        await rig.post('track', { userId: users[i], event: 'Restart Start', messageId: `start-${i}` }),
      ).toBe(200);
    });
    // Some runs have sent their first message; others are between sends: now the database goes away.
    await eventually(
      () => rig.database.db.select().from(deliveries).where(eq(deliveries.status, 'sent')),
      (rows) => rows.length > 0,
      60_000,
      'first sends',
    );
    await server.stop();
    const downAt = Date.now();
    const whileDown = await rig.post('track', {
      userId: 'segment-0',
      event: 'Seg Event',
      messageId: 'probe',
    });
    // The real Segment client, sending while the database is down: it must retry until it lands.
    const analytics = new Analytics({
      writeKey: rig.writeKey,
      host: rig.api.url,
      flushAt: 10,
      flushInterval: 100,
      maxRetries: 20,
    });
    for (let i = 0; i < segmentEvents; i++)
      analytics.track({ userId: `segment-${i}`, event: 'Seg Event', messageId: `seg-${i}` });
    await sleep(Math.max(0, downMs - (Date.now() - downAt)));
    server = await start();
    await analytics.closeAndFlush({ timeout: 60_000 });

    const statuses = await eventually(
      () => rig.runStatuses(journey.id),
      (map) => map.size === runs && [...map.values()].every((status) => status === 'completed'),
      180_000,
      'every run completed after the restart',
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nworker output:\n${worker.output()}`);
    });
    const stored = await rig.database.db.select().from(events).where(like(events.messageId, 'seg-%'));
    const mails = rig.smtp.messages;
    const distinct = new Set(mails.map((mail) => mail.messageId));
    const ledger = await rig.database.db
      .select()
      .from(deliveries)
      .where(eq(deliveries.journeyId, journey.id));
    await reportFigures('postgres restart', {
      runs,
      'down s': downMs / 1000,
      'ingest while down': whileDown,
      'segment events sent': segmentEvents,
      'segment events stored': stored.length,
      'messages expected': runs * 2,
      delivered: distinct.size,
      duplicated: mails.length - distinct.size,
      lost: runs * 2 - distinct.size,
    });
    expect(whileDown).toBe(503);
    expect(new Set(stored.map((row) => row.messageId)).size).toBe(segmentEvents);
    expect(stored).toHaveLength(segmentEvents);
    expect(statuses.size).toBe(runs);
    expect(distinct.size).toBe(runs * 2);
    expect(mails).toHaveLength(runs * 2);
    expect(ledger.filter((row) => row.status === 'sent')).toHaveLength(runs * 2);
  }, 300_000);
});
