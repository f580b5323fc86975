import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startEmbeddedPostgres } from '../infra/embedded-postgres.js';
import { freePort } from '../infra/free-port.js';
import { identify } from '../infra/process-identity.js';
import { runProcess } from '../infra/run-process.js';
import { startTemporalDevServer } from '../infra/temporal-dev-server.js';

/** What a killed server leaves behind, with real processes: a stale lock file, an orphan, a taken port. */
describe('starting after a crash', () => {
  const folders: string[] = [];
  afterAll(async () => Promise.all(folders.map((f) => rm(f, { recursive: true, force: true }))));
  const cluster = async () => {
    const parent = await mkdtemp(path.join(tmpdir(), 'omnijourney-crash-'));
    folders.push(parent);
    await chmod(parent, 0o755); // as root, Postgres runs as `postgres`, which must reach the cluster folder
    return path.join(parent, 'pg');
  };
  /** A process of the user PostgreSQL runs as, so that PostgreSQL sees its PID as alive. */
  const liveStranger = async () => {
    const owner =
      userInfo().uid === 0
        ? {
            uid: Number((await runProcess('id', ['-u', 'postgres'])).stdout),
            gid: Number((await runProcess('id', ['-g', 'postgres'])).stdout),
          }
        : {};
    return spawn('sleep', ['60'], owner);
  };

  it('a postmaster.pid left by a killed server, its PID now reused, does not stop the next start', async () => {
    const dataDir = await cluster();
    const first = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'postgres' });
    process.kill(first.pid, 'SIGKILL'); // a crash: postmaster.pid stays
    await waitGone(first.pid);
    const stranger = await liveStranger();
    const lockFile = path.join(dataDir, 'postmaster.pid');
    const lines = (await readFile(lockFile, 'utf8')).split('\n');
    await writeFile(lockFile, [String(stranger.pid), ...lines.slice(1)].join('\n'));
    try {
      const second = await startEmbeddedPostgres({ dataDir, port: await freePort() });
      await second.stop();
      expect(await identify(stranger.pid!), 'the stranger is left alone').toBeDefined();
    } finally {
      stranger.kill();
    }
  }, 120_000);

  it("a server a dead owner left running unrecorded is ended by the folder's next owner only", async () => {
    const dataDir = await cluster();
    const orphan = await startEmbeddedPostgres({ dataDir, port: await freePort() });
    // Without the folder's claim (no onSpawn), a live server on the folder is not touched.
    await expect(startEmbeddedPostgres({ dataDir, port: await freePort() })).rejects.toThrow(/did not start/);
    expect(await identify(orphan.pid)).toBeDefined();
    const recorded: number[] = [];
    const next = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      onSpawn: async (pid) => void recorded.push(pid),
    });
    expect(await identify(orphan.pid)).toBeUndefined();
    expect(recorded).toEqual([next.pid]);
    await next.stop();
    await orphan.stop();
  }, 120_000);

  it('a dev server whose port was taken after it was chosen starts on new ports; the reason is kept', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const options = { executable: inject('temporalCli'), port, namespace: 'default' };
      await expect(startTemporalDevServer({ ...options, portsMayMove: false })).rejects.toThrow(
        `Error: can't set frontend port ${port}`,
      );
      const moved = await startTemporalDevServer(options);
      expect(moved.address).not.toBe(`127.0.0.1:${port}`);
      await moved.stop();
    } finally {
      taken.close();
    }
  }, 120_000);
});

async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 100 && (await identify(pid)); i++) await new Promise((r) => setTimeout(r, 100));
}
