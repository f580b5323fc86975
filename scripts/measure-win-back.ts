/**
 * Waiting win-back workflows for N customers with an order, before and after issue 20, with real
 * runs on a Temporal server: the per-order win-back (journeys/legacy/win-back-per-order.ts) starts a
 * run per order that waits 60 days; the segment-based one (journeys/win-back.ts) starts nothing
 * until a customer lapses. Then one lapse (its `Segment Entered` written as the segments part
 * writes it) starts one run, which sends and ends.
 *
 *   npx tsx scripts/measure-win-back.ts [--customers 10000] [--concurrency 8]
 *
 * TEMPORAL_ADDRESS: a server with the project's search attributes (default: an in-memory dev server
 * started here). DATABASE_URL: the PostgreSQL server for a scratch database, dropped after.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { and, eq } from 'drizzle-orm';
import postgres from 'postgres';
import { pino } from 'pino';
import { createActivities } from '../activities/index.js';
import { checkJourney, deployJourneys } from '../catalog/journey-catalog.js';
import { loadConfig } from '../config/config.js';
import { ingestMessage } from '../customers/ingest-message.js';
import { connectDatabase, quoteIdent, type Database } from '../db/client.js';
import { migrateDatabase } from '../db/migrate.js';
import { events, identities, segmentMemberships } from '../db/schema.js';
import { startTemporalDevServer } from '../infra/temporal-dev-server.js';
import { resolveTemporalExecutable } from '../infra/temporal-executables.js';
import { freePort } from '../infra/free-port.js';
import winBackPerOrder from '../journeys/legacy/win-back-per-order.js';
import winBack from '../journeys/win-back.js';
import { createJourneyRouter } from '../runs/journey-router.js';
import { startUnroutedSweep } from '../runs/unrouted-sweep.js';
import { journeyWorkflowId } from '../domain/journey-runtime.js';
import { createWorker } from '../worker/create-worker.js';

const { values: args } = parseArgs({
  options: { customers: { type: 'string', default: '10000' }, concurrency: { type: 'string', default: '8' } },
});
const customers = Number(args.customers);
const concurrency = Number(args.concurrency);
const logger = pino({ level: 'silent' });

/** Runs `work(i)` for i in [0, count) with at most `concurrency` at once. */
async function inParallel(count: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < count; i = next++) await work(i);
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

/** Running workflows of the task queue, once visibility (eventually consistent) stops changing. */
async function waitingRuns(client: Client, taskQueue: string): Promise<number> {
  const query = `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running" AND JourneyId = "win-back"`;
  let last = -1;
  for (let polls = 0; polls < 120; polls++) {
    const { count } = await client.workflow.count(query);
    if (count === last) return count;
    last = count;
    await sleep(1_000);
  }
  return last;
}

/** Each of `prefix`-0…N-1 orders once (stored by ingest and routed by the router, as the API does). */
async function ordersFrom(db: Database, router: ReturnType<typeof createJourneyRouter>, prefix: string) {
  await inParallel(customers, async (i) => {
    const now = new Date();
    const message = {
      type: 'track' as const,
      userId: `${prefix}-${i}`,
      event: 'Order Completed',
      messageId: randomUUID(),
      properties: { order_id: `${prefix}-order-${i}`, revenue: 40 },
      timestamp: now,
    };
    const stored = await ingestMessage(db, message, { receivedAt: now });
    if (stored.outcome === 'stored' && !stored.routed) await router.route(stored.event, stored.customer);
  });
}

/** One customer lapses: the membership row and its Segment Entered event, as the segments part writes them. */
async function lapse(db: Database, customerId: string): Promise<void> {
  const at = new Date();
  await db.transaction(async (tx) => {
    await tx.insert(segmentMemberships).values({
      ...{ segmentId: 'lapsed-customers', customerId, member: true, segmentVersion: 'measure' },
      ...{ enteredAt: at, entries: 1 },
    });
    await tx.insert(events).values({
      messageId: `segment:lapsed-customers:${customerId}:entered:1`,
      ...{ customerId, type: 'track', name: 'Segment Entered', occurredAt: at },
      properties: { segment: 'lapsed-customers', entry: 1, segment_version: 'measure' },
    });
  });
}

async function main(): Promise<void> {
  // The worker's state changes on stdout would bury the one line this prints.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `measure_win_back_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create database ${quoteIdent(name)}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const server = process.env.TEMPORAL_ADDRESS
    ? undefined
    : await startTemporalDevServer({
        executable: await resolveTemporalExecutable('cli', { toolsDir: loadConfig().toolsDir }),
        ...{ port: await freePort(), namespace: 'default' },
      });
  const address = process.env.TEMPORAL_ADDRESS ?? server?.address ?? '';
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  try {
    await migrateDatabase(url.href);
    const { db, close } = await connectDatabase(url.href, { poolSize: concurrency + 2 });
    const client = new Client({ connection, namespace: 'default' });
    const taskQueue = `measure-win-back-${randomUUID()}`;
    worker = await createWorker({
      ...{ connection: nativeConnection, namespace: 'default', taskQueue },
      activities: createActivities({ db }),
    });
    running = worker.run();
    const router = createJourneyRouter({ db, client, taskQueue, logger, catalogTtlMs: 0 });

    await deployJourneys(db, [checkJourney(winBackPerOrder, 'legacy win-back')]);
    await ordersFrom(db, router, 'before');
    const before = await waitingRuns(client, taskQueue);
    // The per-order runs would wait 60 days: end them before the second phase.
    for await (const run of client.workflow.list({
      query: `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"`,
    }))
      await client.workflow.getHandle(run.workflowId, run.runId).terminate('measured');

    await deployJourneys(db, [checkJourney(winBack, 'built-in win-back')]);
    await ordersFrom(db, router, 'after');
    const after = await waitingRuns(client, taskQueue);
    const [first] = await db
      .select({ customerId: identities.customerId })
      .from(identities)
      .where(and(eq(identities.kind, 'user_id'), eq(identities.value, 'after-0')));
    if (!first) throw new Error('no customer after-0');
    await lapse(db, first.customerId);
    const sweep = startUnroutedSweep({ db, router, logger, intervalMs: 3_600_000 });
    await sweep.stop();
    const result = (await client.workflow
      .getHandle(journeyWorkflowId('win-back', first.customerId, '1'))
      .result()) as { outcome: string };
    process.stdout.write(
      `win-back, ${customers} customers with an order: before (one 60-day run per order) ${before} waiting runs; ` +
        `after (segment lapsed-customers) ${after} waiting runs; one lapse: 1 run, ${result.outcome}\n`,
    );
    await close();
  } finally {
    worker?.shutdown();
    await running;
    await nativeConnection.close();
    await connection.close();
    await server?.stop();
    await admin.unsafe(`drop database if exists ${quoteIdent(name)} with (force)`);
    await admin.end({ timeout: 5 });
  }
}

await main();
