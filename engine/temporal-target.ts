import path from 'node:path';
import type { Config } from '../config/config.js';
import { choosePort } from '../infra/free-port.js';
import type { Logger } from '../infra/logger.js';
import { claimDataDir } from '../infra/owned-processes.js';
import type { ResourceStack } from '../infra/resource-stack.js';
import { startTemporalDevServer } from '../infra/temporal-dev-server.js';
import { resolveTemporalExecutable } from '../infra/temporal-executables.js';
import { loadTls, type TemporalTarget } from '../infra/temporal-cluster.js';
import { UserError } from '../infra/user-error.js';

export interface ProvidedTemporal {
  target: TemporalTarget;
  /** Set when we run the dev server (its Web UI). */
  uiUrl?: string;
  devServerPid?: number;
}

/** TEMPORAL_ADDRESS when set; otherwise an embedded dev server, stopped with the stack. */
export async function provideTemporal(
  config: Config,
  stack: ResourceStack,
  logger: Logger,
  /** The dev server's SQLite without fsync: the bench's scratch store only, never the engine's. */
  options: { unsafeNoSync?: boolean } = {},
): Promise<ProvidedTemporal> {
  const { temporal } = config;
  if (temporal.address) {
    return {
      target: {
        address: temporal.address,
        namespace: temporal.namespace,
        tls: await loadTls(temporal.tls),
        apiKey: temporal.apiKey,
        external: true,
      },
    };
  }
  const executable = await resolveTemporalExecutable('cli', {
    overridePath: temporal.cliPath,
    toolsDir: config.toolsDir,
    onInstall: (message) => logger.info(message),
  });
  const owned = await claimDataDir(config.dataDir, stack, (name, pid) =>
    logger.warn({ pid }, `ended the ${name} a killed omnijourney left running`),
  );
  // Defaults that are busy (another dev server, say) fall back to free ports; explicit ones do not.
  const [devPortIsDefault, uiPortIsDefault] = [
    process.env.TEMPORAL_DEV_PORT === undefined,
    process.env.TEMPORAL_UI_PORT === undefined,
  ];
  const port = await choosePort(temporal.devPort, devPortIsDefault);
  const uiPort = await choosePort(temporal.uiPort, uiPortIsDefault);
  if (port === uiPort) {
    throw new UserError(
      `TEMPORAL_DEV_PORT and TEMPORAL_UI_PORT are both ${port}`,
      'give them different ports',
    );
  }
  logger.info({ port, uiPort, executable }, 'starting the Temporal dev server');
  const server = await startTemporalDevServer({
    executable,
    port,
    uiPort,
    namespace: temporal.namespace,
    dbFile: path.join(config.dataDir, 'temporal.sqlite'),
    unsafeNoSync: options.unsafeNoSync,
    portsMayMove: devPortIsDefault && uiPortIsDefault,
    onSpawn: (pid) => owned.record('Temporal dev server', pid, { signal: 'SIGTERM', graceMs: 10_000 }),
    onExit: (pid) => owned.forget(pid),
  });
  stack.defer('temporal dev server', () => server.stop());
  return {
    target: { address: server.address, namespace: server.namespace, external: false },
    uiUrl: server.uiUrl,
    devServerPid: server.pid,
  };
}
