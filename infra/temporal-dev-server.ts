import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { searchAttributeNames } from '../domain/search-attributes.js';
import { stopChild, tailOf } from './child-process.js';
import { lastLines, runProcess } from './run-process.js';
import { UserError } from './user-error.js';

export interface DevServerOptions {
  executable: string;
  port: number;
  /** Omit for a headless server (tests). */
  uiPort?: number;
  namespace: string;
  /** SQLite file for state across restarts; omit for in-memory. */
  dbFile?: string;
  healthTimeoutMs?: number;
  /** Register the project's search attributes at start (default true). */
  registerSearchAttributes?: boolean;
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  pid: number;
  stop(): Promise<void>;
}

/** `temporal server start-dev` with the project's search attributes, bound to 127.0.0.1 only. */
export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServer> {
  const address = `127.0.0.1:${options.port}`;
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--namespace',
    options.namespace,
    '--log-level',
    'warn',
    ...(options.registerSearchAttributes === false
      ? []
      : searchAttributeNames.flatMap((name) => ['--search-attribute', `${name}=Keyword`])),
    ...(options.uiPort === undefined
      ? ['--headless']
      : ['--ui-ip', '127.0.0.1', '--ui-port', String(options.uiPort)]),
    ...(options.dbFile
      ? [
          '--db-filename',
          options.dbFile,
          '--sqlite-pragma',
          'journal_mode=WAL',
          '--sqlite-pragma',
          'synchronous=OFF',
          // A 128 MB page cache (SQLite's default is 2 MB): with tens of thousands of runs the
          // database outgrows the default many times over and every task would read pages again.
          '--sqlite-pragma',
          'cache_size=-131072',
        ]
      : []),
  ];
  const child = spawn(options.executable, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = tailOf(child);
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const stop = () => stopChild(child, 'SIGTERM', 10_000);

  const deadline = Date.now() + (options.healthTimeoutMs ?? 60_000);
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const failed = await Promise.race([spawnError, sleep(attempt === 0 ? 300 : 250).then(() => undefined)]);
    if (failed)
      throw new UserError(`cannot run ${options.executable}: ${failed.message}`, 'set TEMPORAL_CLI_PATH');
    if (child.exitCode !== null) {
      throw new UserError(
        `the Temporal dev server exited (code ${child.exitCode}): ${lastLines(output(), 3)}`,
        `check that ports ${options.port}${options.uiPort ? ` and ${options.uiPort}` : ''} are free (TEMPORAL_DEV_PORT, TEMPORAL_UI_PORT)`,
      );
    }
    const health = await runProcess(
      options.executable,
      ['operator', 'cluster', 'health', '--address', address],
      { timeoutMs: 10_000 },
    );
    if (health.code === 0) {
      return {
        address,
        namespace: options.namespace,
        uiUrl: options.uiPort === undefined ? undefined : `http://127.0.0.1:${options.uiPort}`,
        pid: child.pid ?? -1,
        stop,
      };
    }
  }
  await stop();
  throw new UserError(
    `the Temporal dev server did not become healthy at ${address}: ${lastLines(output(), 3)}`,
    'see the output above, or set TEMPORAL_ADDRESS to use an existing cluster',
  );
}
