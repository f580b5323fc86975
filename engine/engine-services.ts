import { Client, type Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { startApiServer } from '../api/api-server.js';
import type { Config, Secrets } from '../config/config.js';
import type { Database } from '../db/client.js';
import type { Deliverer } from '../delivery/delivery-request.js';
import type { Logger } from '../infra/logger.js';
import type { ResourceStack } from '../infra/resource-stack.js';
import { connectWorker, type TemporalTarget } from '../infra/temporal-cluster.js';
import { createJourneyRouter } from '../runs/journey-router.js';
import { startUnroutedSweep } from '../runs/unrouted-sweep.js';
import { createWorker } from '../worker/create-worker.js';
import { configurePushHosts } from '../delivery/push-endpoints.js';

/** A worker on the engine's task queue; `finished` settles when the worker stops. */
export async function startEngineWorker(
  deps: { config: Config; temporal: TemporalTarget; stack: ResourceStack; logger: Logger; db: Database },
  deliverer: () => Deliverer,
): Promise<{ finished: Promise<void> }> {
  const { config, stack, logger } = deps;
  configurePushHosts(config.push.allowedHosts);
  const connection = await connectWorker(deps.temporal);
  stack.defer('temporal worker connection', () => connection.close());
  const worker: Worker = await createWorker({
    connection,
    namespace: deps.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    tuning: config.worker,
    activities: createActivities({ db: deps.db, deliverer: deliverer() }),
  });
  const finished = worker.run();
  stack.defer('worker', async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await finished.catch(() => undefined);
  });
  logger.info({ taskQueue: config.temporal.taskQueue }, 'worker polling');
  return { finished };
}

/** The HTTP API with the journey router behind ingest. */
export async function startEngineApi(deps: {
  config: Config;
  db: Database;
  connection: Connection;
  namespace: string;
  secrets: Secrets & { generatedFile?: string };
  port: number;
  stack: ResourceStack;
  logger: Logger;
  /** The all-in-one `start` prints the first write key; production does not. */
  showWriteKey: boolean;
}): Promise<{ url: string; writeKey?: string; clientKey?: string; devSecretsFile?: string }> {
  const { config, db, logger } = deps;
  configurePushHosts(config.push.allowedHosts);
  const workflowClient = new Client({ connection: deps.connection, namespace: deps.namespace });
  const router = createJourneyRouter({
    db,
    client: workflowClient,
    taskQueue: config.temporal.taskQueue,
    logger: logger.child({ component: 'router' }),
  });
  // Events a previous process stored but did not route (it died in between) are routed now.
  const sweep = startUnroutedSweep({ db, router, logger: logger.child({ component: 'unrouted-sweep' }) });
  deps.stack.defer('unrouted-event sweep', () => sweep.stop());
  const server = await startApiServer({
    db,
    router,
    secrets: deps.secrets,
    countWorkflows: async (query) => (await workflowClient.workflow.count(query)).count,
    temporal: workflowClient,
    taskQueue: config.temporal.taskQueue,
    logger: logger.child({ component: 'api' }),
    host: config.api.host,
    port: deps.port,
    publicBaseUrl: config.api.publicBaseUrl,
    defaultPhoneCountry: config.api.defaultPhoneCountry,
    maxClockSkewMs: config.api.maxClockSkewMs,
    corsAllowedOrigins: config.api.corsAllowedOrigins,
    metrics: config.api.metrics,
    channelConfig: config,
  });
  deps.stack.defer('api server', () => server.close());
  logger.info({ url: server.url, metrics: server.metricsUrl }, 'api listening');
  return {
    url: server.url,
    writeKey: deps.showWriteKey ? deps.secrets.writeKeys[0] : undefined,
    clientKey: deps.showWriteKey ? deps.secrets.clientKeys?.[0] : undefined,
    devSecretsFile: deps.secrets.generatedFile,
  };
}
