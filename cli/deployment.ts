import type { Client } from '@temporalio/client';
import type { Config } from '../config/config.js';
import type { DatabaseHandle } from '../db/client.js';
import { readEngineState, type EngineState } from '../engine/engine-state.js';
import type { TemporalTarget } from '../infra/temporal-cluster.js';
import { UserError } from '../infra/user-error.js';

/**
 * What the data commands (`journeys`, `events`, `customers`, `deliveries`, `stats`) work against:
 * DATABASE_URL / TEMPORAL_ADDRESS / OMNIJOURNEY_API_URL when set, else the engine that
 * `omnijourney start` runs from the same data folder. Connections open on first use.
 */
export interface Deployment {
  config: Config;
  database(): Promise<DatabaseHandle>;
  temporal(): Promise<{ client: Client; taskQueue: string; namespace: string; uiUrl?: string }>;
  api(): Promise<{ url: string; writeKey: string; adminToken?: string }>;
  close(): Promise<void>;
}

const noEngine = (config: Config, needs: string) =>
  new UserError(
    `no engine is running from ${config.dataDir} and ${needs} is not set`,
    `start one with \`omnijourney start\` (in this folder or with the same OMNIJOURNEY_DATA_DIR), or set ${needs}`,
  );

function openDeployment(config: Config): Deployment {
  let state: Promise<EngineState | undefined> | undefined;
  const engine = () => (state ??= readEngineState(config.dataDir));
  let database: Promise<DatabaseHandle> | undefined;
  let temporal: Promise<{ client: Client; taskQueue: string; namespace: string; uiUrl?: string }> | undefined;

  return {
    config,
    database() {
      database ??= (async () => {
        // Loaded here, not at the top: commands that never query start without drizzle and postgres.
        const { connectDatabase } = await import('../db/client.js');
        if (config.database.url)
          return connectDatabase(config.database.url, { source: 'DATABASE_URL', poolSize: 4 });
        const running = await engine();
        if (!running) throw noEngine(config, 'DATABASE_URL');
        return connectDatabase(running.databaseUrl, { poolSize: 4 });
      })();
      return database;
    },
    temporal() {
      temporal ??= (async () => {
        // Loaded here: Temporal's client takes a while to load, and most commands never connect.
        const [{ Client }, { connectClient, loadTls }] = await Promise.all([
          import('@temporalio/client'),
          import('../infra/temporal-cluster.js'),
        ]);
        let target: TemporalTarget;
        let uiUrl: string | undefined;
        if (config.temporal.address) {
          target = {
            address: config.temporal.address,
            namespace: config.temporal.namespace,
            tls: await loadTls(config.temporal.tls),
            apiKey: config.temporal.apiKey,
            external: true,
          };
        } else {
          const running = await engine();
          if (!running) throw noEngine(config, 'TEMPORAL_ADDRESS');
          target = { address: running.temporalAddress, namespace: running.namespace, external: false };
          uiUrl = running.temporalUiUrl;
        }
        const connection = await connectClient(target);
        return {
          client: new Client({ connection, namespace: target.namespace }),
          taskQueue: config.temporal.taskQueue,
          namespace: target.namespace,
          uiUrl,
        };
      })();
      return temporal;
    },
    async api() {
      const running = config.api.clientUrl ? undefined : await engine();
      const url = config.api.clientUrl ?? running?.apiUrl;
      if (!url) throw noEngine(config, 'OMNIJOURNEY_API_URL');
      // Loaded here: the secrets module brings web-push, which only `events` commands need.
      const { storedDevSecrets } = await import('../engine/secrets.js');
      const dev = await storedDevSecrets(config.dataDir);
      const writeKey = config.secrets.writeKeys?.[0] ?? dev?.writeKey;
      if (!writeKey)
        throw new UserError('INGEST_WRITE_KEYS is not set', 'set it to a write key the API accepts');
      return { url, writeKey, adminToken: config.secrets.adminToken ?? dev?.adminToken };
    },
    async close() {
      if (database) await (await database.catch(() => undefined))?.close();
      if (temporal) await (await temporal.catch(() => undefined))?.client.connection.close();
    },
  };
}

/** Runs a data command against the deployment and always closes its connections. */
export async function withDeployment(
  config: Config,
  run: (deployment: Deployment) => Promise<void>,
): Promise<void> {
  const deployment = openDeployment(config);
  try {
    await run(deployment);
  } finally {
    await deployment.close();
  }
}
