import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { zoneWhereItIs } from '../domain/local-time.js';
import { freePort } from '../infra/free-port.js';
import { runProcess } from '../infra/run-process.js';
import { createTestDatabase } from './helpers/test-database.js';
import { startSmtpPeer } from './helpers/smtp-peer.js';
import { descendantPids, isAlive, runCli, startCli, waitForExit } from './helpers/cli.js';

/**
 * The README's main command, as a user runs it: `omnijourney start` on a fresh data folder
 * (embedded Postgres and a dev server with the Web UI), then Ctrl-C.
 */
describe('omnijourney start', () => {
  const folders: string[] = [];
  afterAll(async () => {
    await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  });

  it('starts the dev server, Postgres, migrations and a worker; SIGINT stops everything', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'omnijourney-start-'));
    folders.push(dataDir);
    await chmod(dataDir, 0o755); // as root, the embedded Postgres runs as `postgres`, which must reach it
    const [devPort, uiPort] = [await freePort(), await freePort()];
    const env = {
      OMNIJOURNEY_DATA_DIR: dataDir,
      TEMPORAL_DEV_PORT: String(devPort),
      TEMPORAL_UI_PORT: String(uiPort),
      TEMPORAL_CLI_PATH: inject('temporalCli'),
      API_PORT: '0',
    };

    for (const round of ['first start', 'restart on the same data folder']) {
      const engine = await startCli(['start'], env, 'Press Ctrl-C to stop.');
      const uiLine = engine.stdout().match(/Temporal UI\s+(http:\/\/127\.0\.0\.1:\d+\S*)/);
      expect(uiLine, round).not.toBeNull();
      const uiUrl = uiLine![1]!;
      expect(uiUrl).toContain(`127.0.0.1:${uiPort}`);
      expect((await fetch(uiUrl)).status, `${round}: UI answers`).toBe(200);

      // The ingest API answers, with the dev write key the banner printed.
      const apiUrl = engine.stdout().match(/API\s+(http:\/\/127\.0\.0\.1:\d+)/)?.[1];
      const writeKey = engine.stdout().match(/Write key\s+(\S+)/)?.[1];
      expect(apiUrl && writeKey, engine.stdout()).toBeTruthy();
      const tracked = await fetch(`${apiUrl}/v1/track`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
        },
        body: JSON.stringify({ userId: 'cli-start-user', event: 'Started' }),
      });
      expect(tracked.status, `${round}: ingest answers`).toBe(200);

      // The dev client key is printed on its own line and is a client key: alias is refused.
      const clientKey = engine.stdout().match(/Client key\s+(pub_\S+)\s+\(for browsers and apps/)?.[1];
      expect(clientKey, engine.stdout()).toBeTruthy();
      const alias = await fetch(`${apiUrl}/v1/alias`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-write-key': clientKey ?? '' },
        body: JSON.stringify({ previousId: 'cli-anon', userId: 'cli-start-user' }),
      });
      expect(alias.status, `${round}: a client key cannot alias`).toBe(403);

      // Prometheus: the engine's metrics and the Temporal SDK's, on one endpoint.
      const metrics = await (await fetch(`${apiUrl}/metrics`)).text();
      expect(metrics).toMatch(/^omnijourney_events_ingested_total\{type="track",outcome="stored"\} [1-9]/m);
      expect(metrics).toMatch(/^# TYPE omnijourney_trigger_to_send_seconds histogram$/m);
      expect(metrics).toMatch(/^temporal_\w+/m);

      // Other commands find the running engine through its data folder, with no settings.
      const listed = await runCli(['journeys', 'list', '--json'], env);
      expect(listed.code, listed.stderr).toBe(0);
      expect((JSON.parse(listed.stdout) as { id: string }[]).map((j) => j.id)).toContain('abandoned-cart');

      // Search attributes are registered: a query on them is accepted.
      const list = await runProcess(inject('temporalCli'), [
        'workflow',
        'list',
        '--address',
        `127.0.0.1:${devPort}`,
        '--query',
        "CustomerId='x' AND JourneyId='abandoned-cart' AND JourneyStep='s' AND EntryKey='e' AND JourneyVersion='v'",
      ]);
      expect(list.code, list.stderr).toBe(0);

      // The worker polls the engine's task queue.
      const pollers = await pollUntil(async () => {
        const describeQueue = await runProcess(inject('temporalCli'), [
          'task-queue',
          'describe',
          '--address',
          `127.0.0.1:${devPort}`,
          '--task-queue',
          'omnijourney',
          '--output',
          'json',
        ]);
        return describeQueue.stdout.includes(`"identity": "${engine.child.pid}@`)
          ? describeQueue.stdout
          : undefined;
      });
      expect(pollers, `${round}: worker polls`).toBeDefined();

      const children = await descendantPids(engine.child.pid!);
      const commands = await Promise.all(
        children.map(async (pid) =>
          (await runProcess('ps', ['-o', 'comm=', '-p', String(pid)])).stdout.trim(),
        ),
      );
      expect(commands).toEqual(expect.arrayContaining(['temporal', 'postgres']));

      engine.child.kill('SIGINT');
      expect(await waitForExit(engine.child, 60_000), engine.stderr()).toBe(0);
      const survivors = await liveProcesses(children);
      expect(survivors, `${round}: no child process left`).toEqual([]);
      expect(engine.stderr()).not.toMatch(/\n\s+at /);
    }
  }, 300_000);
});

describe('omnijourney start --demo', () => {
  it('shows journey runs and messages reach the local sinks', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'omnijourney-demo-'));
    await chmod(dataDir, 0o755);
    const env = {
      OMNIJOURNEY_DATA_DIR: dataDir,
      TEMPORAL_DEV_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      TEMPORAL_CLI_PATH: inject('temporalCli'),
      API_PORT: '0',
    };
    const started = Date.now();
    const engine = await startCli(['start', '--demo'], env, 'Press Ctrl-C to stop.');
    try {
      expect(engine.stdout()).toMatch(/Demo: 40 shoppers over the next minute/);
      const runs = await pollUntil(async () => {
        const listed = await runCli(['journeys', 'list', '--json'], env);
        const total = (JSON.parse(listed.stdout || '[]') as { runs: number }[]).reduce(
          (n, j) => n + j.runs,
          0,
        );
        return total > 0 ? total : undefined;
      }, 120);
      expect(runs, engine.stderr()).toBeGreaterThan(0);
      // How soon (the README promises 60 s on an idle machine; here other suites share the CPU).
      console.info(`demo: first journey runs ${Math.round((Date.now() - started) / 1000)} s after start`);
      // The demo reports what its sinks received every 10 s; welcome emails go out at once.
      const emails = await pollUntil(async () => {
        const counts = [...engine.stdout().matchAll(/received (\d+) emails/g)].map((m) => Number(m[1]));
        return counts.some((n) => n > 0) ? Math.max(...counts) : undefined;
      }, 160);
      expect(emails, engine.stdout()).toBeGreaterThan(0);
      expect((await readdir(path.join(dataDir, 'demo', 'mail'))).length).toBeGreaterThan(0);
    } finally {
      engine.child.kill('SIGINT');
      const code = await waitForExit(engine.child, 90_000).catch((error: Error) => {
        throw new Error(
          `${error.message}; last log lines:\n${engine.stderr().split('\n').slice(-15).join('\n')}`,
        );
      });
      expect(code).toBe(0);
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});

describe('omnijourney start with DATABASE_URL', () => {
  it('applies the migrations to a blank database; a journey’s email reaches the SMTP server', async () => {
    const [database, smtp] = await Promise.all([createTestDatabase({ empty: true }), startSmtpPeer()]);
    const dataDir = await mkdtemp(path.join(tmpdir(), 'omnijourney-start-url-'));
    try {
      const engine = await startCli(
        ['start'],
        {
          OMNIJOURNEY_DATA_DIR: dataDir,
          DATABASE_URL: database.url,
          TEMPORAL_DEV_PORT: String(await freePort()),
          TEMPORAL_UI_PORT: String(await freePort()),
          TEMPORAL_CLI_PATH: inject('temporalCli'),
          API_PORT: '0',
          SMTP_URL: smtp.url,
          EMAIL_FROM: 'Shop <shop@example.test>',
        },
        'Press Ctrl-C to stop.',
      );
      const tables = await database.sql<{ count: number }[]>`
        select count(*)::int as count from information_schema.tables
        where table_schema = 'public' and table_name in ('customers', 'events', 'deliveries', 'journey_runs')`;
      expect(tables[0]?.count).toBe(4);

      // Sign-up → welcome-series → deliver activity → delivery pipeline → nodemailer → the SMTP server.
      const apiUrl = engine.stdout().match(/API\s+(http:\/\/127\.0\.0\.1:\d+)/)?.[1];
      const writeKey = engine.stdout().match(/Write key\s+(\S+)/)?.[1];
      const post = (type: string, body: Record<string, unknown>) =>
        fetch(`${apiUrl}/v1/${type}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
          },
          body: JSON.stringify({ userId: 'e2e-signup', ...body }),
        });
      const identify = await post('identify', {
        traits: { email: 'e2e@example.test', name: 'Eve' },
        context: { timezone: zoneWhereItIs(14, new Date()) },
      });
      expect(identify.status).toBe(200);
      expect((await post('track', { event: 'Signed Up' })).status).toBe(200);
      const mail = await pollUntil(async () => smtp.messages[0], 120);
      expect(mail?.subject, engine.stderr()).toBe('Welcome, Eve');
      expect(JSON.stringify(mail?.to)).toContain('e2e@example.test');
      // The SMTP server has the mail a moment before the ledger records it: wait for that write.
      const ledgerRow = async () =>
        (
          await database.sql<{ status: string; channel: string }[]>`
            select status, channel from deliveries where journey_id = 'welcome-series'`
        )[0];
      await pollUntil(async () => ((await ledgerRow())?.status === 'reserved' ? undefined : true), 40);
      const row = await ledgerRow();
      expect(row).toEqual({ status: 'sent', channel: 'email' });
      const metrics = await (await fetch(`${apiUrl}/metrics`)).text();
      expect(metrics).toMatch(/^omnijourney_deliveries_total\{channel="email",outcome="sent"\} 1$/m);
      expect(metrics).toMatch(/^omnijourney_trigger_to_send_seconds_count\{channel="email"\} 1$/m);

      engine.child.kill('SIGINT');
      expect(await waitForExit(engine.child, 60_000)).toBe(0);
    } finally {
      await smtp.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});

/** Processes still running (zombies already exited and only await reaping by init). */
async function liveProcesses(pids: number[]): Promise<string[]> {
  const live: string[] = [];
  for (const pid of pids.filter(isAlive)) {
    const state = (await runProcess('ps', ['-o', 'stat=,comm=', '-p', String(pid)])).stdout.trim();
    if (state && !state.startsWith('Z')) live.push(`${pid} ${state}`);
  }
  return live;
}

async function pollUntil<T>(probe: () => Promise<T | undefined>, attempts = 40): Promise<T | undefined> {
  for (let i = 0; i < attempts; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(250);
  }
  return undefined;
}
