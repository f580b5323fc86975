/**
 * The engine under test, in this process: the bench's journeys deployed, a delivery pipeline per
 * adapter (a no-op one and a local SMTP server), a worker, the router and the HTTP API, and how the
 * phases drive them. The one bench module that imports the engine's delivery, runs, catalog,
 * activities and schema modules, so that a rename there is fixed here.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { createActivities } from '../activities/index.js';
import { acceptMessages } from '../api/accept-messages.js';
import { startApiServer } from '../api/api-server.js';
import { checkJourney, currentJourneys, deployJourneys } from '../catalog/journey-catalog.js';
import { ingestMessage } from '../customers/ingest-message.js';
import { createBatchDelivery, type BatchDelivery } from '../delivery/batch-delivery.js';
import { createEmailAdapter } from '../delivery/channels/email.js';
import type { ChannelAdapter } from '../delivery/channel-adapter.js';
import type { Deliverer } from '../delivery/delivery-request.js';
import { createDeliveryPipeline } from '../delivery/delivery-pipeline.js';
import { startSmtpCatcher } from '../demo/smtp-catcher.js';
import { defaultEntryKey, journeyWorkflowId } from '../domain/journey-runtime.js';
import { zoneWhereItIs } from '../domain/local-time.js';
import type { SegmentMessage } from '../domain/segment-message.js';
import { templates } from '../journeys/templates.js';
import { createAudienceRouter } from '../runs/audience-router.js';
import { createJourneyRouter } from '../runs/journey-router.js';
import { buildWorkflowBundle, createWorker } from '../worker/create-worker.js';
import { signalWithStartJourneyRun } from '../workflows/journey-run/lifecycle.js';
import type { BenchEnv } from './environment.js';
import { audiences } from './audiences-env.js';
import { benchJourneys } from './journeys.js';
import { rate } from './measure.js';

type Pipeline = ReturnType<typeof createDeliveryPipeline>;
type Router = ReturnType<typeof createAudienceRouter>;

export interface EngineEnv extends BenchEnv, ReturnType<typeof audiences> {
  /** The prebuilt workflow bundle, also given to the scale phase's worker process. */
  bundleFile: string;
  apiUrl: string;
  /** Basic authorization with this run's write key. */
  authorization: string;
  noopPipeline: Pipeline;
  /** When each customer's first send reached the no-op adapter, by email. */
  providerAt: ReadonlyMap<string, number>;
  /** The pipeline the worker's deliver activities use from now on. */
  deliverWith(adapter: 'noop' | 'smtp'): void;
  smtpMessages(): number;
  /** Customers with an email and a daytime zone (marketing sends, quiet hours apply); ids by index. */
  customers(prefix: string, count: number): Promise<string[]>;
  /** Accepts a 'Bench Order' for the customer and waits for its three-send run to end. */
  runJourney(userId: string, customerId: string): Promise<void>;
  /** Customers with no traits, inserted in bulk, for the waiting runs; their ids. */
  waitingCustomers(count: number): Promise<string[]>;
  /** Starts a customer's 'bench-wait' run on that task queue (client directly); its workflow id. */
  startWaiting(taskQueue: string): Promise<(customerId: string) => Promise<string>>;
  /** 'Bench Wake' to the customer's waiting run, and waits for the run's end. */
  wakeToEnd(customerId: string, i: number): Promise<void>;
}

export async function startEngine(env: BenchEnv): Promise<EngineEnv> {
  const { db, client, logger, runTag } = env;
  // One prebuilt workflow bundle for the engine's workers (tuning: no bundling at each worker start).
  const bundleFile = path.join(env.dataDir, 'workflow-bundle.js');
  await writeFile(bundleFile, await buildWorkflowBundle());
  const engineQueue = `bench-engine-${runTag}`;
  const zone = zoneWhereItIs(13, new Date());
  await deployJourneys(
    db,
    benchJourneys.map((j) => checkJourney(j, j.id)),
  );
  const { deliverer, batchDelivery, ...delivery } = await startDelivery(env);
  await startEngineWorker(env, engineQueue, bundleFile, { deliverer, batchDelivery });
  // As the engine serves it: segments kept as events are stored, in front of the journeys.
  const router = createAudienceRouter({
    db,
    journeys: createJourneyRouter({ db, client, taskQueue: engineQueue, logger, catalogTtlMs: 60_000 }),
    logger,
  });
  const api = await startApi(env, router);

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
  const runJourney = async (userId: string, customerId: string) => {
    const order = {
      type: 'track',
      userId,
      event: 'Bench Order',
      messageId: `${userId}-order-${randomUUID()}`,
    } as SegmentMessage;
    await acceptMessages({ db, router }, [order], new Date());
    await client.workflow
      .getHandle(journeyWorkflowId('bench-three-sends', customerId, defaultEntryKey))
      .result();
  };
  return {
    ...env,
    ...delivery,
    ...api,
    ...audiences(env, engineQueue),
    bundleFile,
    customers,
    runJourney,
    ...waits(env),
  };
}

/** The no-op adapter (labelled as such in the table) and the local SMTP server, each in a pipeline. */
async function startDelivery({ db, logger, stack }: BenchEnv) {
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
  // Unparsed: the peer runs in this process, and parsing each message would count as engine CPU.
  const smtp = await startSmtpCatcher({ parse: false });
  stack.defer('SMTP catcher', () => smtp.close());
  const smtpAdapter = createEmailAdapter({
    smtpUrl: smtp.url,
    from: 'Bench <bench@bench.test>',
    messageIdDomain: 'bench.test',
  });
  const pipelineWith = (adapter: ChannelAdapter) =>
    createDeliveryPipeline({ db, adapters: [adapter], templates, logger });
  // Broadcasts send marketing email: they need an unsubscribe link (a bench secret, a local base URL).
  const batchWith = (adapter: ChannelAdapter) =>
    createBatchDelivery({
      db,
      adapters: [adapter],
      templates,
      unsubscribe: { secret: randomUUID() + randomUUID(), baseUrl: 'http://127.0.0.1:3000' },
    });
  const noopPipeline = pipelineWith(noopAdapter);
  const smtpPipeline = pipelineWith(smtpAdapter);
  const batches = { noop: batchWith(noopAdapter), smtp: batchWith(smtpAdapter) };
  let current: Deliverer = noopPipeline;
  let currentBatch: BatchDelivery = batches.noop;
  return {
    noopPipeline,
    providerAt,
    deliverWith: (adapter: 'noop' | 'smtp') => {
      current = adapter === 'noop' ? noopPipeline : smtpPipeline;
      currentBatch = batches[adapter];
    },
    // The phase switches pipelines between runs; the worker reads the current one at each send.
    deliverer: { deliver: (request) => current.deliver(request) } satisfies Deliverer,
    batchDelivery: {
      deliverBatch: (...args) => currentBatch.deliverBatch(...args),
    } satisfies BatchDelivery,
    smtpMessages: () => smtp.raw.length,
  };
}

async function startEngineWorker(
  env: BenchEnv,
  taskQueue: string,
  bundleFile: string,
  delivery: { deliverer: Deliverer; batchDelivery: BatchDelivery },
) {
  const worker = await createWorker({
    connection: env.native,
    namespace: env.temporal.target.namespace,
    taskQueue,
    activities: createActivities({ db: env.db, ...delivery }),
    tuning: { ...env.config.worker, workflowBundle: bundleFile },
  });
  const running = worker.run();
  env.stack.defer('engine worker', async () => {
    worker.shutdown();
    await running;
  });
}

async function startApi({ db, logger, runTag, stack }: BenchEnv, router: Router) {
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
  return { apiUrl: api.url, authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` };
}

/**
 * The waiting journey's side of the contract. Its runs start straight through the client (the router's
 * signal-with-start, without ingest), for customers inserted in bulk: the scale curve measures the
 * worker holding them, and starts them as fast as the server takes them.
 */
function waits({ client, db }: BenchEnv) {
  return {
    async waitingCustomers(count: number): Promise<string[]> {
      const ids: string[] = [];
      for (let done = 0; done < count; done += 5_000) {
        const rows = await db.execute<{ id: string }>(
          sql`insert into customers (traits) select '{}'::jsonb from generate_series(1, ${Math.min(5_000, count - done)}) returning id`,
        );
        ids.push(...rows.map((row) => row.id));
      }
      return ids;
    },
    async startWaiting(taskQueue: string) {
      const deployed = (await currentJourneys(db)).find((j) => j.definition.id === 'bench-wait');
      if (!deployed) throw new Error('bench: the bench-wait journey is not deployed');
      return async (customerId: string): Promise<string> => {
        const run = await signalWithStartJourneyRun(client, taskQueue, {
          journey: deployed.definition,
          version: deployed.version,
          customerId,
          entryKey: defaultEntryKey,
          trigger: {
            messageId: `wait-${customerId}`,
            name: 'Bench Wait',
            properties: {},
            occurredAt: new Date().toISOString(),
          },
        });
        return run.workflowId;
      };
    },
    /** 'Bench Wake' to the customer's waiting run, then its end. */
    async wakeToEnd(customerId: string, i: number): Promise<void> {
      const handle = client.workflow.getHandle(journeyWorkflowId('bench-wait', customerId, defaultEntryKey));
      await handle.signal('customerEvent', {
        messageId: `wake-${i}`,
        name: 'Bench Wake',
        properties: {},
        occurredAt: new Date().toISOString(),
      });
      await handle.result();
    },
  };
}
