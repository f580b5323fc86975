import path from 'node:path';
import type { Config } from '../config/config.js';
import { ensureDatabase } from '../db/client.js';
import { startEmbeddedPostgres } from '../infra/embedded-postgres.js';
import { choosePort } from '../infra/free-port.js';
import type { Logger } from '../infra/logger.js';
import type { ResourceStack } from '../infra/resource-stack.js';

export interface ProvidedDatabase {
  url: string;
  /** The variable the URL came from, for error messages; undefined when embedded. */
  source?: string;
  embeddedPid?: number;
}

/** DATABASE_URL when set; otherwise the embedded PostgreSQL in the data folder, stopped with the stack. */
export async function provideDatabase(
  config: Config,
  stack: ResourceStack,
  logger: Logger,
  /** Throw the embedded cluster away on stop (the bench's scratch database). */
  options: { ephemeral?: boolean } = {},
): Promise<ProvidedDatabase> {
  if (config.database.url) return { url: config.database.url, source: 'DATABASE_URL' };
  const port = await choosePort(config.database.embeddedPort, false);
  const dataDir = path.join(config.dataDir, 'postgres');
  logger.info({ dataDir, port }, 'starting the embedded PostgreSQL');
  const server = await startEmbeddedPostgres({
    dataDir,
    port,
    database: 'omnijourney',
    ephemeral: options.ephemeral,
  });
  stack.defer('embedded PostgreSQL', () => server.stop());
  await ensureDatabase(server.adminUrl, 'omnijourney');
  return { url: server.url, embeddedPid: server.pid };
}
