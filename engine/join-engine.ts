import type { Config } from '../config/config.js';
import { UserError } from '../infra/user-error.js';
import { readEngineState } from './engine-state.js';

/**
 * The settings `omnijourney worker` and `omnijourney api` run with. With TEMPORAL_ADDRESS and
 * DATABASE_URL set, a deployment of their own (production). Without, they join the
 * `omnijourney start` running from the same data folder, as the data commands do: its database,
 * Temporal, namespace and task queue, and its generated secrets (`secrets: 'dev'`), so a second
 * worker signs unsubscribe links and push messages exactly as the first.
 */
export async function joinSettings(
  config: Config,
  command: string,
): Promise<{ config: Config; joined: boolean }> {
  if (config.temporal.address && config.database.url) return { config, joined: false };
  const running = await readEngineState(config.dataDir);
  if (!running)
    throw new UserError(
      `${config.temporal.address ? 'DATABASE_URL' : 'TEMPORAL_ADDRESS'} is not set and no engine is running from ${config.dataDir}`,
      `\`omnijourney ${command}\` joins a deployment: start one with \`omnijourney start\` (same folder or OMNIJOURNEY_DATA_DIR), or set TEMPORAL_ADDRESS and DATABASE_URL`,
    );
  return {
    joined: true,
    config: {
      ...config,
      database: { ...config.database, url: config.database.url ?? running.databaseUrl },
      // Links in messages (unsubscribe, Twilio callbacks) go to start's API, not to a port guessed here.
      api: { ...config.api, publicBaseUrl: config.api.publicBaseUrl ?? running.apiUrl },
      temporal: {
        ...config.temporal,
        address: config.temporal.address ?? running.temporalAddress,
        namespace: running.namespace,
        taskQueue: running.taskQueue,
      },
    },
  };
}
