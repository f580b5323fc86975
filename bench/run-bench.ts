/**
 * `npm run bench [-- --quick] [-- --waiting 100000]`: the engine's throughput, latency, scale and
 * memory, each next to a raw-Temporal baseline measured in the same run on the same server.
 * Starts its own dev server and PostgreSQL (or uses TEMPORAL_ADDRESS / DATABASE_URL), prints a
 * table and writes JSON to bench/results/.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { Command } from 'commander';
import { sql } from 'drizzle-orm';
import { createActivities } from '../activities/index.js';
import { loadConfig } from '../config/config.js';
import { ingestMessage } from '../customers/ingest-message.js';
import { connectDatabase } from '../db/client.js';
import { migrateDatabase } from '../db/migrate.js';
import { journeyRuns } from '../db/schema.js';
import { createEmailAdapter } from '../delivery/adapters/email-adapter.js';
import type { ChannelAdapter } from '../delivery/channel-adapter.js';
import type { Deliverer } from '../delivery/deliverer.js';
import { createDeliveryPipeline } from '../delivery/delivery-pipeline.js';
import { startSmtpCatcher } from '../demo/smtp-catcher.js';
import { zoneWhereItIs } from '../domain/local-time.js';
import { journeyWorkflowId, defaultEntryKey } from '../domain/journey-runtime.js';
import type { SegmentMessage } from '../domain/segment-message.js';
import { provideDatabase } from '../engine/database-target.js';
import { provideTemporal } from '../engine/temporal-target.js';
import { createLogger } from '../infra/logger.js';
import { ResourceStack } from '../infra/resource-stack.js';
import { installTemporalRuntime } from '../infra/temporal-runtime.js';
import { connectClient, connectWorker, ensureSearchAttributes } from '../infra/temporal-cluster.js';
import { acceptMessages } from '../api/accept-messages.js';
import { startApiServer } from '../api/api-server.js';
import { defineJourney } from '../journeys/define-journey.js';
import { checkJourney, deployJourneys } from '../catalog/journey-catalog.js';
import { createJourneyRouter } from '../runs/journey-router.js';
import { templates } from '../journeys/templates.js';
import { buildWorkflowBundle, createWorker } from '../worker/create-worker.js';
import { latencySummary, rate, waitUntil } from './measure.js';
import { createRawActivities } from './raw-activities.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const options = new Command()
  .name('bench')
  .option('--quick', 'small sizes: finishes in under a minute (CI runs it so the bench keeps working)')
  .option('--waiting <n>', 'journeys waiting at once for the scale figure', '20000')
  .option('--burst <n>', 'how many of the waiting journeys one wake-up burst wakes', '200')
  .option('--out <dir>', 'where the JSON goes', path.join(here, 'results'))
  .parse()
  .opts<{ quick?: boolean; waiting: string; burst: string; out: string }>();

const waiting = Number(options.waiting);
if (!Number.isInteger(waiting) || waiting < 1 || waiting > 1_000_000) {
  process.stderr.write(`bench: --waiting ${options.waiting} is not a whole number from 1 to 1000000\n`);
  process.exit(2);
}
const burst = Number(options.burst);
if (!Number.isInteger(burst) || burst < 1) {
  process.stderr.write(`bench: --burst ${options.burst} is not a whole number of at least 1\n`);
  process.exit(2);
}
const sizes = options.quick
  ? {
      sws: 200,
      raw: 64,
      latency: 20,
      ingest: 200,
      journeys: 48,
      waiting: Math.min(waiting, 200),
      burst: Math.min(burst, 64),
      caps: 200,
      warmUp: 16,
    }
  : {
      sws: 1_000,
      raw: 300,
      latency: 200,
      ingest: 1_500,
      journeys: 300,
      waiting,
      burst: Math.min(burst, waiting),
      caps: 2_000,
      warmUp: 64,
    };
const concurrency = { clients: 32, lanes: 64 };

const started = performance.now();
const log = (message: string) =>
  process.stderr.write(`bench: [${Math.round((performance.now() - started) / 1000)} s] ${message}\n`);
const stack = new ResourceStack();
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'omnijourney-bench-'));
stack.defer('bench data folder', () => rm(dataDir, { recursive: true, force: true }));

const config = loadConfig({
  ...process.env,
  OMNIJOURNEY_DATA_DIR: dataDir,
  TEMPORAL_DEV_PORT: process.env.TEMPORAL_DEV_PORT ?? '0',
  TEMPORAL_UI_PORT: process.env.TEMPORAL_UI_PORT ?? '0',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
});
const logger = createLogger(config.log, 'bench');

try {
  await installTemporalRuntime(logger);
  // ── Servers ────────────────────────────────────────────────────────────────────────────────
  const database = await provideDatabase(config, stack, logger, { ephemeral: true });
  await migrateDatabase(database.url);
  const { db, close: closeDb } = await connectDatabase(database.url, {
    source: database.source,
    poolSize: 40,
  });
  stack.defer('database pool', closeDb);
  const temporal = await provideTemporal(config, stack, logger);
  const connection = await connectClient(temporal.target);
  stack.defer('client connection', () => connection.close());
  await ensureSearchAttributes(connection, temporal.target.namespace, logger);
  const client = new Client({ connection, namespace: temporal.target.namespace });
  const native = await connectWorker(temporal.target);
  stack.defer('worker connection', () => native.close());
  const runTag = randomUUID().slice(0, 8);
  log(
    `servers up (${database.source ?? 'embedded PostgreSQL'}, ${temporal.target.external ? 'TEMPORAL_ADDRESS' : 'dev server'})`,
  );

  // ── Baselines: raw Temporal on the same server ─────────────────────────────────────────────
  const activityStarts = new Map<string, number>();
  const rawWorker = await createWorker({
    connection: native,
    namespace: temporal.target.namespace,
    taskQueue: `bench-raw-${runTag}`,
    activities: createRawActivities(activityStarts),
    workflowsPath: path.join(here, 'raw-workflows.ts'),
  });
  const rawRunning = rawWorker.run();
  stack.defer('raw worker', async () => {
    rawWorker.shutdown();
    await rawRunning;
  });
  const rawQueue = `bench-raw-${runTag}`;

  // Every phase, baselines and engine alike, runs a short unmeasured warm-up first (JIT, connections,
  // worker caches, and each pooled PostgreSQL connection describing its statements once).
  const warmUp = sizes.warmUp;
  const signalWithStarts = (count: number, tag: string) =>
    rate(count, concurrency.clients, async (i) => {
      await client.workflow.signalWithStart('emptyWorkflow', {
        taskQueue: rawQueue,
        workflowId: `raw-sws-${runTag}-${tag}-${i}`,
        signal: 'poke',
        signalArgs: [],
      });
    });
  await signalWithStarts(warmUp, 'warm-up');
  log(`baseline: signal-with-start × ${sizes.sws}`);
  const swsRate = await signalWithStarts(sizes.sws, 'measured');
  log(`→ swsRate: ${Math.round(swsRate * 10) / 10}/s`);
  log(`baseline: 3-activity workflows × ${sizes.raw}`);
  const threeActivityWorkflows = (count: number, tag: string) =>
    rate(count, concurrency.lanes, async (i) => {
      await client.workflow.execute('threeActivities', {
        taskQueue: rawQueue,
        workflowId: `raw-3-${runTag}-${tag}-${i}`,
      });
    });
  await threeActivityWorkflows(warmUp, 'warm-up');
  const rawRate = await threeActivityWorkflows(sizes.raw, 'measured');
  log(`→ rawRate: ${Math.round(rawRate * 10) / 10}/s`);
  log(`baseline: start-to-first-activity × ${sizes.latency}`);
  const rawLatency: number[] = [];
  await rate(sizes.latency, 4, async (i) => {
    const key = `raw-lat-${runTag}-${i}`;
    const t0 = performance.now();
    await client.workflow.execute('oneActivity', { taskQueue: rawQueue, workflowId: key, args: [key] });
    rawLatency.push((activityStarts.get(key) ?? Number.NaN) - t0);
  });

  // One prebuilt workflow bundle for the engine's workers (tuning: no bundling at each worker start).
  const bundleFile = path.join(dataDir, 'workflow-bundle.js');
  await writeFile(bundleFile, await buildWorkflowBundle());

  // ── The engine ─────────────────────────────────────────────────────────────────────────────
  const engineQueue = `bench-engine-${runTag}`;
  const zone = zoneWhereItIs(13, new Date());
  const sendStep = (id: string) => ({
    id,
    type: 'send' as const,
    template: 'order-thank-you',
    channels: ['email' as const],
    intentKey: `bench-${id}`,
  });
  const journeys = [
    defineJourney({
      id: 'bench-three-sends',
      name: 'Bench: three sends, no wait',
      trigger: { event: 'Bench Order' },
      reEntry: { mode: 'always' },
      steps: [sendStep('first'), sendStep('second'), sendStep('third'), { id: 'done', type: 'end' }],
    }),
    defineJourney({
      id: 'bench-ingest',
      name: 'Bench: a run per ingested event',
      trigger: { event: 'Bench Ingest' },
      steps: [{ id: 'wait', type: 'wait', duration: '30d' }],
    }),
    defineJourney({
      id: 'bench-wait',
      name: 'Bench: wait for a wake-up',
      trigger: { event: 'Bench Wait' },
      steps: [
        { id: 'wait-for-wake', type: 'waitForEvent', event: 'Bench Wake', timeout: '30d', onEvent: 'done' },
        { id: 'done', type: 'end' },
      ],
    }),
  ];
  await deployJourneys(
    db,
    journeys.map((j) => checkJourney(j, j.id)),
  );

  // The no-op adapter (labelled as such in the table) notes when each customer's first send reached it.
  const providerAt = new Map<string, number>();
  const noopAdapter: ChannelAdapter = {
    channel: 'email',
    crashWindow: 'at-least-once',
    async send({ recipient, idempotencyKey }) {
      if (recipient.channel === 'email' && !providerAt.has(recipient.email))
        providerAt.set(recipient.email, performance.now());
      return { providerMessageId: idempotencyKey };
    },
  };
  const smtp = await startSmtpCatcher();
  stack.defer('SMTP catcher', () => smtp.close());
  const pipelineWith = (adapter: ChannelAdapter) =>
    createDeliveryPipeline({ db, adapters: [adapter], templates, logger });
  const noopPipeline = pipelineWith(noopAdapter);
  const smtpPipeline = pipelineWith(
    createEmailAdapter({
      smtpUrl: smtp.url,
      from: 'Bench <bench@bench.test>',
      messageIdDomain: 'bench.test',
    }),
  );
  let current: Deliverer = noopPipeline;
  const engineWorker = await createWorker({
    connection: native,
    namespace: temporal.target.namespace,
    taskQueue: engineQueue,
    activities: createActivities({ db, deliverer: { deliver: (request) => current.deliver(request) } }),
    tuning: { ...config.worker, workflowBundle: bundleFile },
  });
  const engineRunning = engineWorker.run();
  stack.defer('engine worker', async () => {
    engineWorker.shutdown();
    await engineRunning;
  });
  const routerFor = (taskQueue: string) =>
    createJourneyRouter({ db, client, taskQueue, logger, catalogTtlMs: 60_000 });
  const router = routerFor(engineQueue);
  const writeKey = `bench_${runTag}`;
  const api = await startApiServer({
    db,
    router,
    secrets: {
      writeKeys: [writeKey],
      adminToken: randomUUID(),
      unsubscribeSecret: randomUUID() + randomUUID(),
    },
    logger,
    host: '127.0.0.1',
    port: 0,
  });
  stack.defer('API', () => api.close());
  const authorization = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;

  // a. Ingest through HTTP: identity resolution, storage and a journey start per event.
  const ingestOverHttp = (count: number, tag: string) =>
    rate(count, concurrency.clients, async (i) => {
      const response = await fetch(`${api.url}/v1/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({
          userId: `ingest-${runTag}-${tag}-${i}`,
          event: 'Bench Ingest',
          messageId: `ingest-${runTag}-${tag}-${i}`,
        }),
      });
      if (response.status !== 200)
        throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
    });
  await ingestOverHttp(warmUp, 'warm-up');
  log(`engine: ingest × ${sizes.ingest} over HTTP, ${concurrency.clients} clients`);
  const ingestRate = await ingestOverHttp(sizes.ingest, 'measured');
  log(`→ ingestRate: ${Math.round(ingestRate * 10) / 10}/s`);
  // The runs ingest started take their first workflow task after the API has answered. Let the worker
  // finish those first: otherwise the next phase (journeys with the no-op adapter) pays for them.
  const settledQuery = `JourneyId='bench-ingest' AND JourneyStep='wait' AND ExecutionStatus='Running'`;
  await waitUntil(
    async () => (await client.workflow.count(settledQuery)).count >= sizes.ingest + warmUp,
    600_000,
    'ingested runs waiting',
  );
  log('engine: every ingested run waits');

  // Customers for the journeys, with an email and a daytime zone (marketing sends, quiet hours apply).
  const customers = async (prefix: string, count: number) => {
    const ids: string[] = [];
    await rate(count, 16, async (i) => {
      const message = {
        type: 'identify',
        userId: `${prefix}-${i}`,
        traits: { email: `${prefix}-${i}@bench.test`, name: `Bench ${i}` },
        context: { timezone: zone },
        messageId: `${prefix}-${i}`,
      } as SegmentMessage;
      const stored = await ingestMessage(db, message, { receivedAt: new Date() });
      if (stored.outcome === 'stored') ids[i] = stored.customer.id;
    });
    return ids;
  };
  const accept = (messages: SegmentMessage[]) => acceptMessages({ db, router }, messages, new Date());
  const order = (userId: string) =>
    ({
      type: 'track',
      userId,
      event: 'Bench Order',
      messageId: `${userId}-order-${randomUUID()}`,
    }) as SegmentMessage;
  const runJourney = async (userId: string, customerId: string) => {
    await accept([order(userId)]);
    await client.workflow
      .getHandle(journeyWorkflowId('bench-three-sends', customerId, defaultEntryKey))
      .result();
  };

  // b. Journeys per second: trigger → 3 sends through the pipeline (caps, ledger) → completion.
  const journeyRate = async (label: string, deliverer: Deliverer, count = sizes.journeys) => {
    current = deliverer;
    const prefix = `j-${label}-${runTag}`;
    const ids = await customers(prefix, count);
    log(`engine: ${count} journeys with 3 sends (${label}), ${concurrency.lanes} lanes`);
    return rate(count, concurrency.lanes, (i) => runJourney(`${prefix}-${i}`, ids[i] ?? ''));
  };
  await journeyRate('warm-up', noopPipeline, warmUp);
  const journeysNoop = await journeyRate('noop', noopPipeline);
  log(`→ journeysNoop: ${Math.round(journeysNoop * 10) / 10}/s`);
  const journeysSmtp = await journeyRate('smtp', smtpPipeline);
  log(`→ journeysSmtp: ${Math.round(journeysSmtp * 10) / 10}/s`);
  const smtpMessages = smtp.messages.length;

  // c. Trigger-to-provider latency: from accepting the event to the adapter's first call.
  current = noopPipeline;
  const latencyIds = await customers(`lat-${runTag}`, sizes.latency);
  log(`engine: trigger-to-provider × ${sizes.latency}`);
  const engineLatency: number[] = [];
  await rate(sizes.latency, 4, async (i) => {
    const userId = `lat-${runTag}-${i}`;
    const t0 = performance.now();
    await runJourney(userId, latencyIds[i] ?? '');
    engineLatency.push((providerAt.get(`${userId}@bench.test`) ?? Number.NaN) - t0);
  });

  // e. Cap check + ledger reservation in isolation, at 1 and 64 concurrent callers.
  const capIds = await customers(`cap-${runTag}`, 64);
  const reservation = async (callers: number, count = sizes.caps, tag = `${callers}`) => {
    const samples: number[] = [];
    await rate(count, callers, async (i) => {
      const customerId = capIds[i % capIds.length] ?? '';
      const t0 = performance.now();
      await noopPipeline.reserve({
        dedupKey: `cap-${runTag}-${tag}-${i}`,
        customerId,
        journeyId: 'bench-three-sends',
        journeyVersion: 'bench',
        workflowId: `cap-${runTag}`,
        runId: `cap-${runTag}-${tag}-${i}`,
        stepId: 'first',
        template: 'order-thank-you',
        channels: ['email'],
        intentKey: `cap-${i}`,
        category: 'marketing',
        tags: [],
        overCap: 'skip',
        quietHours: 'skip',
        trigger: {
          messageId: 'm',
          name: 'Bench Order',
          properties: {},
          occurredAt: new Date().toISOString(),
        },
      });
      samples.push(performance.now() - t0);
    });
    return latencySummary(samples);
  };
  log(`engine: cap check + ledger reservation × ${sizes.caps} at 1 and 64 callers`);
  await reservation(64, 4 * warmUp, 'warm-up');
  const caps1 = await reservation(1);
  const caps64 = await reservation(64);
  // Their floor, on the same server in the same run: one durable single-row insert and its commit
  // (the reservation cannot be faster than making its ledger row durable).
  await db.execute(sql`create table bench_commit_probe (id serial primary key, at timestamptz not null)`);
  const commits = async (callers: number) => {
    const samples: number[] = [];
    await rate(sizes.caps, callers, async () => {
      const t0 = performance.now();
      await db.execute(sql`insert into bench_commit_probe (at) values (now())`);
      samples.push(performance.now() - t0);
    });
    return latencySummary(samples);
  };
  const commit1 = await commits(1);
  const commit64 = await commits(64);
  await db.execute(sql`drop table bench_commit_probe`);

  // d. Scale: N runs waiting at once on a worker process of their own, then a wake-up burst.
  const scaleQueue = `bench-scale-${runTag}`;
  const child = spawn(process.execPath, [path.join(here, '..', 'bin', 'omnijourney.js'), 'worker'], {
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: temporal.target.address,
      TEMPORAL_NAMESPACE: temporal.target.namespace,
      TEMPORAL_TASK_QUEUE: scaleQueue,
      WORKER_WORKFLOW_BUNDLE: bundleFile,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  stack.defer('scale worker', async () => {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
  });
  const scaleRouter = routerFor(scaleQueue);
  log(`engine: starting ${sizes.waiting} waiting journeys`);
  const waitIds: string[] = [];
  const startRate = await rate(sizes.waiting, concurrency.clients, async (i) => {
    const message = {
      type: 'track',
      userId: `wait-${runTag}-${i}`,
      event: 'Bench Wait',
      messageId: `wait-${runTag}-${i}`,
    } as SegmentMessage;
    const stored = await ingestMessage(db, message, { receivedAt: new Date() });
    if (stored.outcome !== 'stored') return;
    await scaleRouter.route(stored.event, stored.customer);
    waitIds[i] = stored.customer.id;
  });
  log(`→ startRate: ${Math.round(startRate * 10) / 10}/s`);
  const runningCount = async () =>
    (
      await db
        .select({ n: sql<number>`count(*)::int` })
        .from(journeyRuns)
        .where(sql`${journeyRuns.journeyId} = 'bench-wait' and ${journeyRuns.status} = 'running'`)
    )[0]?.n ?? 0;
  // Every run has taken its first workflow task once its JourneyStep says it waits for the event.
  const waitingQuery = `JourneyId='bench-wait' AND JourneyStep='wait-for-wake' AND ExecutionStatus='Running'`;
  await waitUntil(
    async () => (await client.workflow.count(waitingQuery)).count >= sizes.waiting,
    600_000,
    'waiting runs',
  );
  const rssMb = (await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '')).match(
    /VmRSS:\s+(\d+)/,
  )?.[1];
  const workerRssMb = rssMb ? Math.round(Number(rssMb) / 1024) : Number.NaN;
  const sqliteFile = path.join(dataDir, 'temporal.sqlite');
  const temporalDbMb = temporal.target.external
    ? Number.NaN
    : Math.round(
        ([sqliteFile, `${sqliteFile}-wal`].filter(existsSync).reduce((sum, f) => sum + statSync(f).size, 0) /
          1_048_576) *
          10,
      ) / 10;
  log(`engine: waking ${sizes.burst} of the ${sizes.waiting} waiting runs at once`);
  const wakeStarted = performance.now();
  await rate(sizes.burst, concurrency.lanes, async (i) => {
    const id = waitIds[i];
    if (!id) return;
    await client.workflow
      .getHandle(journeyWorkflowId('bench-wait', id, defaultEntryKey))
      .signal('customerEvent', {
        messageId: `wake-${i}`,
        name: 'Bench Wake',
        properties: {},
        occurredAt: new Date().toISOString(),
      });
  });
  await waitUntil(
    async () => (await runningCount()) <= sizes.waiting - sizes.burst,
    900_000,
    'wake-up burst',
  );
  const drainRate = sizes.burst / ((performance.now() - wakeStarted) / 1000);

  // ── Report ─────────────────────────────────────────────────────────────────────────────────
  const round = (v: number) => Math.round(v * 10) / 10;
  const ratio = (value: number, baseline: number) => Math.round((value / baseline) * 100) / 100;
  const rawP = latencySummary(rawLatency);
  const engP = latencySummary(engineLatency);
  const rows = [
    {
      figure: 'ingest (HTTP, identity, storage, journey start)',
      value: round(ingestRate),
      unit: 'events/s',
      baseline: 'raw signal-with-start',
      baselineValue: round(swsRate),
      ratio: ratio(ingestRate, swsRate),
      target: '≥ 0.8× and ≥ 1000/s',
      met: ingestRate >= 0.8 * swsRate && ingestRate >= 1000,
    },
    {
      figure: 'journeys, 3 sends, no-op adapter',
      value: round(journeysNoop),
      unit: 'journeys/s',
      baseline: 'raw 3-activity workflow',
      baselineValue: round(rawRate),
      ratio: ratio(journeysNoop, rawRate),
      target: '≥ 0.7×',
      met: journeysNoop >= 0.7 * rawRate,
    },
    {
      figure: 'messages, no-op adapter (3 per journey)',
      value: round(journeysNoop * 3),
      unit: 'messages/s',
      baseline: '',
      baselineValue: null,
      ratio: null,
      target: '≥ 1000/s',
      met: journeysNoop * 3 >= 1000,
    },
    {
      figure: 'journeys, 3 sends, local SMTP server',
      value: round(journeysSmtp),
      unit: 'journeys/s',
      baseline: 'raw 3-activity workflow',
      baselineValue: round(rawRate),
      ratio: ratio(journeysSmtp, rawRate),
      target: '',
      met: null,
    },
    {
      figure: 'trigger-to-provider p50',
      value: engP.p50,
      unit: 'ms',
      baseline: 'raw start-to-activity p50',
      baselineValue: rawP.p50,
      ratio: ratio(engP.p50, rawP.p50),
      target: '',
      met: null,
    },
    {
      figure: 'trigger-to-provider p95',
      value: engP.p95,
      unit: 'ms',
      baseline: 'raw start-to-activity p95',
      baselineValue: rawP.p95,
      ratio: ratio(engP.p95, rawP.p95),
      target: '',
      met: null,
    },
    {
      figure: 'trigger-to-provider p99',
      value: engP.p99,
      unit: 'ms',
      baseline: 'raw start-to-activity p99',
      baselineValue: rawP.p99,
      ratio: ratio(engP.p99, rawP.p99),
      target: '≤ 2×',
      met: engP.p99 <= 2 * rawP.p99,
    },
    {
      figure: `start of ${sizes.waiting} waiting journeys`,
      value: round(startRate),
      unit: 'journeys/s',
      baseline: 'raw signal-with-start',
      baselineValue: round(swsRate),
      ratio: ratio(startRate, swsRate),
      target: '',
      met: null,
    },
    {
      figure: `worker RSS with ${sizes.waiting} waiting`,
      value: workerRssMb,
      unit: 'MB',
      baseline: '',
      baselineValue: null,
      ratio: null,
      target: '< 1536 MB at 100,000',
      met: sizes.waiting >= 100_000 ? workerRssMb < 1536 : null,
    },
    {
      figure: `Temporal DB size with ${sizes.waiting} waiting`,
      value: temporalDbMb,
      unit: 'MB',
      baseline: '',
      baselineValue: null,
      ratio: null,
      target: '',
      met: null,
    },
    {
      figure: `wake-up burst drain (${sizes.burst} of ${sizes.waiting} waiting)`,
      value: round(drainRate),
      unit: 'runs/s',
      baseline: 'raw 3-activity workflow',
      baselineValue: round(rawRate),
      ratio: ratio(drainRate, rawRate),
      target: '',
      met: null,
    },
    {
      figure: 'cap check + ledger reservation p50, 1 caller',
      value: caps1.p50,
      unit: 'ms',
      baseline: 'durable insert + commit p50',
      baselineValue: commit1.p50,
      ratio: ratio(caps1.p50, commit1.p50),
      target: '',
      met: null,
    },
    {
      figure: 'cap check + ledger reservation p99, 1 caller',
      value: caps1.p99,
      unit: 'ms',
      baseline: 'durable insert + commit p99',
      baselineValue: commit1.p99,
      ratio: ratio(caps1.p99, commit1.p99),
      target: '≤ 5 ms',
      met: caps1.p99 <= 5,
    },
    {
      figure: 'cap check + ledger reservation p50, 64 callers',
      value: caps64.p50,
      unit: 'ms',
      baseline: 'durable insert + commit p50',
      baselineValue: commit64.p50,
      ratio: ratio(caps64.p50, commit64.p50),
      target: '',
      met: null,
    },
    {
      figure: 'cap check + ledger reservation p99, 64 callers',
      value: caps64.p99,
      unit: 'ms',
      baseline: 'durable insert + commit p99',
      baselineValue: commit64.p99,
      ratio: ratio(caps64.p99, commit64.p99),
      target: '≤ 5 ms',
      met: caps64.p99 <= 5,
    },
  ];
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${database.source ? 'PostgreSQL at DATABASE_URL' : 'embedded PostgreSQL 17'}, ${temporal.target.external ? 'TEMPORAL_ADDRESS' : 'Temporal dev server (SQLite)'}`;
  const seconds = Math.round((performance.now() - started) / 1000);
  const result = {
    at: new Date().toISOString(),
    quick: Boolean(options.quick),
    machine,
    sizes,
    seconds,
    rows,
    smtpMessages,
  };

  const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  const header = ['figure', 'value', 'unit', 'baseline (same run)', 'baseline', 'ratio', 'target', 'met'];
  const table = [
    header,
    ...rows.map((r) => [
      r.figure,
      text(r.value),
      r.unit,
      r.baseline,
      text(r.baselineValue),
      r.ratio === null ? '' : `${r.ratio}×`,
      r.target,
      r.met === null ? '' : r.met ? 'yes' : 'no',
    ]),
  ];
  const widths = header.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  process.stdout.write(
    [
      '',
      `Omnijourney bench${options.quick ? ' (--quick)' : ''}: ${machine}; ${seconds} s`,
      '',
      line(header),
      `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
      ...table.slice(1).map(line),
      '',
    ].join('\n') + '\n',
  );
  await mkdir(options.out, { recursive: true });
  const file = path.join(options.out, options.quick ? 'latest-quick.json' : 'latest.json');
  await writeFile(file, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`JSON: ${file}\n`);
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await stack.close((name, error) => log(`stopping ${name} failed: ${String(error)}`));
}
