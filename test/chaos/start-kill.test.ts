import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { identify, type ProcessIdentity } from '../../infra/process-identity.js';
import { descendantPids, startCli, waitForExit } from '../helpers/cli.js';
import { restartablePort } from '../helpers/restart-port.js';
import { reportFigures, sized } from './chaos-figures.js';

/**
 * `kill -9` of `omnijourney start` while events arrive, then `start` again on the same data folder
 * and the same ports: it comes up with no manual step (it ends the PostgreSQL and dev server its
 * killed predecessor left running, and only those), and every event the API accepted and every
 * journey run recorded before the kill is still there. The restarted engine's data is durable:
 * fsync on, the dev server's SQLite in WAL with synchronous=FULL, its files private.
 */
describe('kill -9 of omnijourney start', () => {
  const folders: string[] = [];
  afterAll(async () => {
    await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  });

  it('starts again cleanly and keeps what it accepted', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'omnijourney-kill-'));
    folders.push(dataDir);
    await chmod(dataDir, 0o755); // as root, the embedded Postgres runs as `postgres`, which must reach it
    // Both started again on the same ports after the kill.
    const devPort = await restartablePort();
    const uiPort = await restartablePort([devPort]);
    const env = {
      OMNIJOURNEY_DATA_DIR: dataDir,
      TEMPORAL_DEV_PORT: String(devPort),
      TEMPORAL_UI_PORT: String(uiPort),
      TEMPORAL_CLI_PATH: inject('temporalCli'),
      API_PORT: '0',
    };
    const first = await startCli(['start'], env, 'Press Ctrl-C to stop.');
    const before = await servers(first.child.pid!);
    expect(before.map((p) => p.command)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/postgres -D/),
        expect.stringMatching(/server start-dev/),
      ]),
    );

    // Load: shoppers sign up (each starts a welcome-series run) until the kill cuts them off.
    const api = apiOf(first.stdout());
    const accepted: string[] = [];
    let stopLoad = false;
    const shopper = async (lane: number) => {
      for (let i = 0; !stopLoad; i++) {
        const messageId = `kill-${lane}-${i}`;
        const ok = await send(api, 'track', {
          messageId,
          userId: `kill-user-${lane}-${i}`,
          event: 'Signed Up',
        }).catch(() => false);
        if (ok) accepted.push(messageId);
      }
    };
    const load = Promise.all(Array.from({ length: sized(4, 12) }, (_, lane) => shopper(lane)));
    const sql1 = postgres((await engineState(dataDir)).databaseUrl, { max: 1, onnotice: () => undefined });
    await sleep(sized(3000, 10_000));
    const runsBefore = (await sql1<{ run_id: string }[]>`select run_id from journey_runs`).map(
      (r) => r.run_id,
    );
    await sql1.end({ timeout: 1 }).catch(() => undefined);
    const acceptedBefore = accepted.length; // accepted up to the kill (the load goes on until it)
    first.child.kill('SIGKILL');
    await waitForExit(first.child, 10_000);
    stopLoad = true;
    await load;
    // What `kill -9` leaves: PostgreSQL for sure (the dev server may die on its own of a broken pipe).
    const left = (await Promise.all(before.map((p) => identify(p.pid)))).filter((p) => p !== undefined);
    expect(left.map((p) => p.command)).toEqual(
      expect.arrayContaining([expect.stringMatching(/postgres -D/)]),
    );

    const restarted = Date.now();
    const second = await startCli(['start'], env, 'Press Ctrl-C to stop.', 120_000);
    const restartSeconds = (Date.now() - restarted) / 1000;
    try {
      // The new start ended PostgreSQL from its record (not only through its lock file). The dev
      // server may still die of its broken pipe while the new start begins: it is only required
      // gone (below), by either hand.
      for (const p of left.filter((p) => /postgres -D/.test(p.command)))
        expect(second.stdout() + second.stderr()).toContain(
          `"pid":${p.pid},"msg":"ended the embedded PostgreSQL a killed`,
        );
      for (const old of before) {
        const now = await identify(old.pid);
        expect(now?.started === old.started && now.command === old.command, `${old.command} ended`).toBe(
          false,
        );
      }
      const sql = postgres((await engineState(dataDir)).databaseUrl, { max: 1, onnotice: () => undefined });
      try {
        const stored = new Set(
          (await sql<{ message_id: string }[]>`select message_id from events`).map((r) => r.message_id),
        );
        expect(
          accepted.filter((id) => !stored.has(id)),
          'accepted events lost',
        ).toEqual([]);
        const runs = new Set(
          (await sql<{ run_id: string }[]>`select run_id from journey_runs`).map((r) => r.run_id),
        );
        expect(
          runsBefore.filter((id) => !runs.has(id)),
          'journey runs lost',
        ).toEqual([]);
        expect(runsBefore.length, 'runs had started before the kill').toBeGreaterThan(0);

        // Durable by default: the settings PostgreSQL actually runs with.
        for (const setting of ['fsync', 'synchronous_commit', 'full_page_writes']) {
          const [row] = await sql.unsafe<{ value: string }[]>(
            `select current_setting('${setting}') as value`,
          );
          expect(row?.value, setting).toBe('on');
        }
      } finally {
        await sql.end({ timeout: 5 });
      }
      const devServer = (await servers(second.child.pid!)).find((p) => /server start-dev/.test(p.command));
      expect(devServer?.command).toMatch(/--sqlite-pragma journal_mode=WAL/);
      expect(devServer?.command).toMatch(/--sqlite-pragma synchronous=FULL/);
      for (const file of ['temporal.sqlite', 'processes.json', 'engine.json'])
        expect(((await stat(path.join(dataDir, file))).mode & 0o777).toString(8), file).toBe('600');
      expect(((await stat(path.join(dataDir, 'postgres'))).mode & 0o777).toString(8)).toBe('700');

      await reportFigures('start-kill', {
        'events accepted': accepted.length,
        'accepted before the kill': acceptedBefore,
        'runs before the kill': runsBefore.length,
        'servers left running by the kill': left.length,
        'restart to ready (s)': restartSeconds.toFixed(1),
      });
    } finally {
      second.child.kill('SIGINT');
      expect(await waitForExit(second.child, 60_000), second.stderr()).toBe(0);
    }
  }, 400_000);
});

/** The PostgreSQL and dev server processes under a `start`. */
async function servers(pid: number): Promise<ProcessIdentity[]> {
  const found = await Promise.all((await descendantPids(pid)).map((child) => identify(child)));
  return found.filter(
    (p): p is ProcessIdentity => p !== undefined && /postgres -D|server start-dev/.test(p.command),
  );
}

function apiOf(stdout: string): { url: string; writeKey: string } {
  const url = stdout.match(/API\s+(http:\/\/127\.0\.0\.1:\d+)/)?.[1];
  const writeKey = stdout.match(/Write key\s+(\S+)/)?.[1];
  if (!url || !writeKey) throw new Error(`no API in the banner:\n${stdout}`);
  return { url, writeKey };
}

async function send(api: { url: string; writeKey: string }, type: string, body: object): Promise<boolean> {
  const response = await fetch(`${api.url}/v1/${type}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${api.writeKey}:`).toString('base64')}`,
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  return response.status === 200;
}

async function engineState(dataDir: string): Promise<{ databaseUrl: string }> {
  return JSON.parse(await readFile(path.join(dataDir, 'engine.json'), 'utf8')) as { databaseUrl: string };
}
