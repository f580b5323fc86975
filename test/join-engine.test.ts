import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { zoneWhereItIs } from '../domain/local-time.js';
import { freePort } from '../infra/free-port.js';
import { runCli, startCli, waitForExit } from './helpers/cli.js';
import { startSmtpPeer } from './helpers/smtp-peer.js';

/**
 * `omnijourney start --no-worker`, then `omnijourney worker` with no settings: the worker joins the
 * running engine (its database, Temporal, task queue and generated secrets) and runs its journeys;
 * the unsubscribe link it signs works against start's API.
 */
describe('joining a running engine', () => {
  const folders: string[] = [];
  afterAll(async () => {
    await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  });

  it('without an engine, `worker` with no settings says what to do in one line', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'omnijourney-join-none-'));
    folders.push(dataDir);
    const result = await runCli(['worker'], { OMNIJOURNEY_DATA_DIR: dataDir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no engine is running from .*omnijourney start/);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('start --no-worker runs nothing until a worker with no settings joins; its mail and links work', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'omnijourney-join-'));
    folders.push(dataDir);
    await chmod(dataDir, 0o755); // as root, the embedded Postgres runs as `postgres`, which must reach it
    const smtp = await startSmtpPeer();
    const env = {
      OMNIJOURNEY_DATA_DIR: dataDir,
      TEMPORAL_DEV_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      TEMPORAL_CLI_PATH: inject('temporalCli'),
      SMTP_URL: smtp.url,
      EMAIL_FROM: 'Shop <shop@join.test>',
      LOG_LEVEL: 'info',
    };
    const engine = await startCli(
      ['start', '--no-worker'],
      { ...env, API_PORT: '0' },
      'Press Ctrl-C to stop.',
    );
    let worker: Awaited<ReturnType<typeof startCli>> | undefined;
    const state = JSON.parse(await readFile(path.join(dataDir, 'engine.json'), 'utf8')) as {
      databaseUrl: string;
      apiUrl: string;
    };
    const sql = postgres(state.databaseUrl, { max: 1 });
    try {
      expect(engine.stdout()).toContain('No worker runs in this process (--no-worker)');
      const writeKey = engine.stdout().match(/Write key\s+(\S+)/)?.[1] ?? '';
      const post = (type: string, body: Record<string, unknown>) =>
        fetch(`${state.apiUrl}/v1/${type}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
          },
          body: JSON.stringify(body),
        });
      const context = { timezone: zoneWhereItIs(13, new Date()) };
      expect(
        (await post('identify', { userId: 'joiner', traits: { email: 'joiner@join.test' }, context })).status,
      ).toBe(200);
      expect((await post('track', { userId: 'joiner', event: 'Signed Up', context })).status).toBe(200);
      await sleep(3_000);
      expect(await sql`select 1 from deliveries`, 'no worker: nothing sent').toHaveLength(0);

      worker = await startCli(['worker'], env, 'worker joined the engine of');
      for (let i = 0; i < 240 && smtp.messages.length === 0; i++) await sleep(250);
      const [welcome] = smtp.messages;
      expect(welcome?.subject, worker.stdout() + worker.stderr()).toBeTruthy();
      // The peer keeps a message before its 250, the worker records `sent` after it: read until settled.
      const read = () => sql<{ step_id: string; status: string }[]>`select step_id, status from deliveries`;
      let rows = await read();
      for (let i = 0; i < 40 && rows[0]?.status === 'reserved'; i++) rows = await sleep(250).then(read);
      expect(rows).toEqual([{ step_id: 'welcome', status: 'sent' }]);

      // The joined worker signed the link with start's secret, for start's API: the one-click works.
      const header = welcome?.headerLines.find((line) => line.key === 'list-unsubscribe')?.line ?? '';
      const link = header.match(/<(http[^>]+)>/)?.[1] ?? '';
      expect(link.startsWith(`${state.apiUrl}/`), link).toBe(true);
      const oneClick = await fetch(link, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(oneClick.status).toBe(200);
      const [consent] = await sql<{ status: string }[]>`select status from consents where channel = 'email'`;
      expect(consent?.status).toBe('unsubscribed');
    } finally {
      await sql.end();
      worker?.child.kill('SIGINT');
      if (worker) await waitForExit(worker.child, 30_000);
      engine.child.kill('SIGINT');
      await waitForExit(engine.child, 60_000);
      await smtp.close();
    }
  }, 300_000);
});
