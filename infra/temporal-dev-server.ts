import { spawn } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { searchAttributeNames } from '../domain/search-attributes.js';
import { firstLineMatching, stopChild, tailOf } from './child-process.js';
import { freePort } from './free-port.js';
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
  /**
   * SQLite without fsync (`synchronous=OFF`): for a throwaway store only (the bench). By default
   * the store is durable: WAL with `synchronous=FULL`, so an acknowledged write survives an OS crash.
   */
  unsafeNoSync?: boolean;
  /**
   * When the server dies before it is healthy (a port taken between choosing and binding it), start
   * it once more on new free ports (default true). False when the user chose the ports.
   */
  portsMayMove?: boolean;
  /** Called with the server's PID right after it was spawned (to record it as owned), and on its exit. */
  onSpawn?: (pid: number) => Promise<void>;
  onExit?: (pid: number) => Promise<void>;
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  pid: number;
  stop(): Promise<void>;
}

/** The SQLite pragmas of a persistent store. */
export function sqlitePragmas(unsafeNoSync: boolean): string[] {
  return [
    'journal_mode=WAL',
    `synchronous=${unsafeNoSync ? 'OFF' : 'FULL'}`,
    // A 128 MB page cache (SQLite's default is 2 MB): with tens of thousands of runs the
    // database outgrows the default many times over and every task would read pages again.
    'cache_size=-131072',
  ];
}

/**
 * The line of a crashed Go program that says why: its first `panic:`, `fatal error:` or `Error:`
 * line (a panic's stack is long, and a tail of the output keeps only its last frames).
 */
export const exitReason = /^(panic: |fatal error: |Error: )/;

/** The reason line when one was seen, else the last lines of the output. */
export function reasonOfExit(reasonLine: string, tail: string): string {
  return reasonLine ? reasonLine.trim() : lastLines(tail, 3);
}

class ExitedEarly extends Error {}

/**
 * The store and its WAL files, readable by us only (the server creates them with the umask's mode;
 * an empty file made beforehand would be taken for an initialised store).
 */
async function makePrivate(dbFile: string): Promise<void> {
  for (const file of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`])
    await chmod(file, 0o600).catch(() => undefined);
}

/** `temporal server start-dev` with the project's search attributes, bound to 127.0.0.1 only. */
export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServer> {
  const explained = (error: unknown, ports: DevServerOptions) =>
    error instanceof ExitedEarly
      ? new UserError(
          error.message,
          `check that ports ${ports.port}${ports.uiPort ? ` and ${ports.uiPort}` : ''} are free (TEMPORAL_DEV_PORT, TEMPORAL_UI_PORT)`,
        )
      : error;
  try {
    return await startOnce(options);
  } catch (error) {
    if (!(error instanceof ExitedEarly) || options.portsMayMove === false) throw explained(error, options);
    const moved = {
      ...options,
      port: await freePort(),
      uiPort: options.uiPort === undefined ? undefined : await freePort(),
    };
    return startOnce(moved).catch((again: unknown) => {
      throw explained(again, moved);
    });
  }
}

async function startOnce(options: DevServerOptions): Promise<DevServer> {
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
          ...sqlitePragmas(options.unsafeNoSync === true).flatMap((pragma) => ['--sqlite-pragma', pragma]),
        ]
      : []),
  ];
  const child = spawn(options.executable, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = tailOf(child);
  const reason = firstLineMatching(child, exitReason);
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const pid = child.pid;
  const recorded = pid === undefined ? undefined : options.onSpawn?.(pid);
  const stop = async () => {
    await stopChild(child, 'SIGTERM', 10_000);
    await recorded;
    if (pid !== undefined) await options.onExit?.(pid);
  };

  const deadline = Date.now() + (options.healthTimeoutMs ?? 60_000);
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const failed = await Promise.race([spawnError, sleep(attempt === 0 ? 300 : 250).then(() => undefined)]);
    if (failed)
      throw new UserError(`cannot run ${options.executable}: ${failed.message}`, 'set TEMPORAL_CLI_PATH');
    if (child.exitCode !== null) {
      await stop();
      throw new ExitedEarly(
        `the Temporal dev server exited (code ${child.exitCode}) on ports ${options.port}${options.uiPort ? `/${options.uiPort}` : ''}: ${reasonOfExit(reason(), output())}`,
      );
    }
    const health = await runProcess(
      options.executable,
      ['operator', 'cluster', 'health', '--address', address],
      { timeoutMs: 10_000 },
    );
    if (health.code === 0) {
      await recorded;
      if (options.dbFile) await makePrivate(options.dbFile);
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
