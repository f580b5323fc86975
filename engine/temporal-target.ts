import path from 'node:path';
import type { Config } from '../config/config.js';
import { choosePort } from '../infra/free-port.js';
import type { Logger } from '../infra/logger.js';
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
  // Defaults that are busy (another dev server, say) fall back to free ports; explicit ones do not.
  const port = await choosePort(temporal.devPort, process.env.TEMPORAL_DEV_PORT === undefined);
  const uiPort = await choosePort(temporal.uiPort, process.env.TEMPORAL_UI_PORT === undefined);
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
  });
  stack.defer('temporal dev server', () => server.stop());
  return {
    target: { address: server.address, namespace: server.namespace, external: false },
    uiUrl: server.uiUrl,
    devServerPid: server.pid,
  };
}
