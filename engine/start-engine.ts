import type { Config, Secrets } from '../config/config.js';
import { connectDatabase, type Database } from '../db/client.js';
import { migrateDatabase } from '../db/migrate.js';
import { maskUrl, registerSecrets } from '../infra/log-masking.js';
import type { Logger } from '../infra/logger.js';
import { ensureDataDir } from '../infra/owned-processes.js';
import { ResourceStack } from '../infra/resource-stack.js';
import { connectClient, ensureSearchAttributes } from '../infra/temporal-cluster.js';
import { installTemporalRuntime } from '../infra/temporal-runtime.js';
import { choosePort } from '../infra/free-port.js';
import { builtInJourneys } from '../journeys/index.js';
import { checkJourney, deployJourneys } from '../catalog/journey-catalog.js';
import { deployBuiltInSegments } from '../audiences/builtin-segments.js';
import type { ChannelAdapter } from '../delivery/channel-adapter.js';
import { delivererFromConfig } from '../delivery/from-config.js';
import type { JourneyDefinition } from '../domain/journey-definition.js';
import { provideDatabase } from './database-target.js';
import { startEngineApi, startEngineWorker } from './engine-services.js';
import { writeEngineState } from './engine-state.js';
import { devSecrets, environmentSecrets } from './secrets.js';
import { provideTemporal } from './temporal-target.js';

export interface EngineInfo {
  /** The HTTP API (ingest, webhooks, admin), when this process serves it. */
  apiUrl?: string;
  /** Where generated dev secrets (write key, admin token) are kept, when they were used. */
  devSecretsFile?: string;
  /** The first ingest write key, shown by `start` so the demo can be driven at once. */
  writeKey?: string;
  /** The first client (public) write key, shown by `start` beside the write key. */
  clientKey?: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  /** Temporal Web UI, filtered to this project's runs; only when we run the dev server. */
  temporalUiUrl?: string;
  databaseUrl: string;
  childPids: number[];
}

export interface RunningEngine {
  info: EngineInfo;
  /** Resolves when the worker stops on its own (a fatal error) — the caller should then stop. */
  finished: Promise<void>;
  stop(): Promise<void>;
}

export interface EngineParts {
  /** Run a worker in this process (default true). */
  worker?: boolean;
  /** Serve the HTTP API in this process (default true). */
  api?: boolean;
  /** `dev`: fill missing secrets with generated ones (start); `environment`: require them (production). */
  secrets?: 'dev' | 'environment';
  /** Deploy the built-in journeys at start (the all-in-one `start`). */
  deployBuiltInJourneys?: boolean;
  /** Write `${dataDir}/engine.json` so other commands find this engine (the all-in-one `start`). */
  announce?: boolean;
  /** Journeys to deploy at start besides (or, with deployBuiltInJourneys false, instead of) the built-in ones. */
  journeys?: JourneyDefinition[];
  /** Channel adapters instead of those the configuration names (the demo's local peers). */
  adapters?: (secrets: Partial<Secrets>) => ChannelAdapter[];
}

/**
 * The whole engine in one process: Postgres (given or embedded), migrations, Temporal (given
 * or a dev server), search attributes and a worker. Stops in reverse order, and on a failure
 * half-way it stops whatever had already started.
 */
export async function startEngine(
  config: Config,
  logger: Logger,
  parts: EngineParts = {},
): Promise<RunningEngine> {
  const stack = new ResourceStack();
  const stop = () => stack.close((name, error) => logger.warn({ err: error }, `stopping ${name} failed`));
  try {
    await ensureDataDir(config.dataDir);
    await installTemporalRuntime(logger);

    const database = await provideDatabase(config, stack, logger);
    const { db, close: closeDb } = await connectDatabase(database.url, {
      source: database.source,
      poolSize: config.database.poolSize,
    });
    stack.defer('database pool', closeDb);
    await migrateDatabase(database.url);
    logger.info({ database: maskUrl(database.url) }, 'database ready (migrations applied)');

    const temporal = await provideTemporal(config, stack, logger);
    const client = await connectClient(temporal.target);
    stack.defer('temporal client connection', () => client.close());
    await ensureSearchAttributes(client, temporal.target.namespace, logger);
    await deployAtStart(db, parts, logger);

    // Secrets and the API address first: the worker's delivery pipeline signs unsubscribe links and
    // Twilio status callbacks with them.
    const apiSecrets =
      parts.api === false
        ? undefined
        : parts.secrets === 'environment'
          ? environmentSecrets(config)
          : await devSecrets(config);
    // A worker joining `start` signs with start's generated secrets; a production one with the environment's.
    const secrets: Partial<Secrets> =
      apiSecrets ?? (parts.secrets === 'dev' ? await devSecrets(config) : config.secrets);
    registerEngineSecrets(config, secrets, database.url);
    const apiPort =
      parts.api === false
        ? config.api.port
        : await choosePort(config.api.port, process.env.API_PORT === undefined);
    const publicBaseUrl = config.api.publicBaseUrl ?? `http://${config.api.host}:${apiPort}`;

    const { finished } =
      parts.worker === false
        ? { finished: new Promise<void>(() => undefined) }
        : await startEngineWorker({ config, temporal: temporal.target, stack, logger, db }, () =>
            delivererFromConfig({
              config,
              secrets,
              db,
              logger,
              publicBaseUrl,
              adapters: parts.adapters?.(secrets),
            }),
          );
    const api = apiSecrets
      ? await startEngineApi({
          config,
          db,
          connection: client,
          namespace: temporal.target.namespace,
          secrets: apiSecrets,
          port: apiPort,
          stack,
          logger,
          showWriteKey: parts.secrets !== 'environment',
        })
      : undefined;

    const info = engineInfo(config, temporal, database, api);
    if (parts.announce) stack.defer('engine state file', await announce(config, temporal, database, info));
    return { info, finished, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

type ProvidedTemporal = Awaited<ReturnType<typeof provideTemporal>>;
type ProvidedDatabase = Awaited<ReturnType<typeof provideDatabase>>;

function engineInfo(
  config: Config,
  temporal: ProvidedTemporal,
  database: ProvidedDatabase,
  api: { url: string; writeKey?: string; clientKey?: string; devSecretsFile?: string } | undefined,
): EngineInfo {
  return {
    apiUrl: api?.url,
    writeKey: api?.writeKey,
    clientKey: api?.clientKey,
    devSecretsFile: api?.devSecretsFile,
    temporalAddress: temporal.target.address,
    namespace: temporal.target.namespace,
    taskQueue: config.temporal.taskQueue,
    temporalUiUrl: temporal.uiUrl ? journeyListUrl(temporal.uiUrl, temporal.target.namespace) : undefined,
    databaseUrl: maskUrl(database.url),
    childPids: [temporal.devServerPid, database.embeddedPid].filter(
      (pid): pid is number => pid !== undefined,
    ),
  };
}

/** `engine.json` in the data folder, so the data commands find this engine; returns its remover. */
function announce(
  config: Config,
  temporal: ProvidedTemporal,
  database: ProvidedDatabase,
  info: EngineInfo,
): Promise<() => Promise<void>> {
  return writeEngineState(config.dataDir, {
    pid: process.pid,
    apiUrl: info.apiUrl,
    databaseUrl: database.url,
    temporalAddress: temporal.target.address,
    namespace: temporal.target.namespace,
    taskQueue: config.temporal.taskQueue,
    temporalUiUrl: info.temporalUiUrl,
    startedAt: new Date().toISOString(),
  });
}

/** The built-in journeys (all-in-one `start`) and any given ones, deployed before runs can start. */
async function deployAtStart(db: Database, parts: EngineParts, logger: Logger): Promise<void> {
  const toDeploy = [
    ...(parts.deployBuiltInJourneys
      ? builtInJourneys.map((journey) => checkJourney(journey, `journeys/${journey.id}.ts`))
      : []),
    ...(parts.journeys ?? []).map((journey) => checkJourney(journey, journey.id)),
  ];
  if (toDeploy.length === 0) return;
  if (parts.deployBuiltInJourneys) await deployBuiltInSegments(db);
  const deployed = await deployJourneys(db, toDeploy);
  logger.info({ journeys: deployed.map((d) => `${d.journeyId}@${d.version}`) }, 'journeys deployed');
}

/** Every secret the engine holds is blanked wherever it would appear in a log line. */
function registerEngineSecrets(config: Config, secrets: Partial<Secrets>, databaseUrl: string): void {
  registerSecrets([
    ...(secrets.writeKeys ?? []),
    ...(secrets.clientKeys ?? []),
    secrets.userTokenSecret,
    secrets.adminToken,
    secrets.unsubscribeSecret,
    secrets.twilioAuthToken,
    secrets.vapid?.privateKey,
    config.temporal.apiKey,
    passwordOf(databaseUrl),
    config.channels.email ? passwordOf(config.channels.email.smtpUrl) : undefined,
  ]);
}

/** The Temporal UI's workflow list, filtered to journey runs (those with a JourneyId). */
function journeyListUrl(uiUrl: string, namespace: string): string {
  const query = encodeURIComponent('JourneyId IS NOT NULL');
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${query}`;
}

function passwordOf(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
