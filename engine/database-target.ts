import path from 'node:path';
import type { Config } from '../config/config.js';
import { ensureDatabase } from '../db/client.js';
import { startEmbeddedPostgres } from '../infra/embedded-postgres.js';
import { choosePort } from '../infra/free-port.js';
import type { Logger } from '../infra/logger.js';
import { claimDataDir } from '../infra/owned-processes.js';
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
  /**
   * Throw the embedded cluster away on stop and run it without fsync (the bench's scratch
   * database only: unsafe for data that must survive an OS crash). The engine never sets it.
   */
  options: { ephemeral?: boolean } = {},
): Promise<ProvidedDatabase> {
  if (config.database.url) return { url: config.database.url, source: 'DATABASE_URL' };
  const owned = await claimDataDir(config.dataDir, stack, (name, pid) =>
    logger.warn({ pid }, `ended the ${name} a killed omnijourney left running`),
  );
  const port = await choosePort(config.database.embeddedPort, false);
  const dataDir = path.join(config.dataDir, 'postgres');
  logger.info({ dataDir, port }, 'starting the embedded PostgreSQL');
  const server = await startEmbeddedPostgres({
    dataDir,
    port,
    database: 'omnijourney',
    ephemeral: options.ephemeral,
    onSpawn: (pid) => owned.record('embedded PostgreSQL', pid, { signal: 'SIGINT', graceMs: 15_000 }),
  });
  stack.defer('embedded PostgreSQL', async () => {
    await server.stop();
    await owned.forget(server.pid);
  });
  await ensureDatabase(server.adminUrl, 'omnijourney');
  return { url: server.url, embeddedPid: server.pid };
}
