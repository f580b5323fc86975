import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { getBroadcast, listBroadcasts } from '../audiences/broadcast-store.js';
import type { ChannelAdapter } from '../delivery/channel-adapter.js';
import { broadcastWorkflowId } from '../domain/broadcast.js';
import { runProcess, type ProcessResult } from '../infra/run-process.js';
import { seedAudience } from './helpers/broadcast-audience.js';
import { cliEnv, cliPath } from './helpers/cli.js';
import { startBroadcastWorker, type BroadcastWorker } from './helpers/broadcast-worker.js';
import type { DevServerClients } from './helpers/temporal.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));

/** Every `npx omnijourney broadcasts …` line of README "Audiences" → "Broadcasts", in order. */
async function broadcastCommands(): Promise<string[]> {
  const readme = await readFile(readmePath, 'utf8');
  const section = /^### Broadcasts\n([\s\S]*?)^##/m.exec(readme)?.[1] ?? '';
  return section.split('\n').filter((line) => line.startsWith('npx omnijourney broadcasts '));
}

/**
 * README "Broadcasts": each command as written, in order, by a shell, against a fresh database, the
 * dev Temporal server and a worker whose email provider is a recording adapter that takes 400 ms a
 * message (no network peer needed here; the SMTP path is test/broadcast-crash.test.ts), so the
 * broadcast is still running when the README pauses it. The README's ids are placeholders: each
 * stands for the id the create before it printed.
 */
describe('README "Broadcasts": every command, as written, in order', () => {
  let database: TestDatabase;
  let temporal: DevServerClients;
  let env: Record<string, string>;
  const sent: string[] = [];
  const slow: ChannelAdapter = {
    channel: 'email',
    crashWindow: 'at-least-once',
    async send({ idempotencyKey }) {
      await sleep(400);
      sent.push(idempotencyKey);
      return { providerMessageId: idempotencyKey };
    },
  };
  let broadcastWorker: BroadcastWorker;
  beforeAll(async () => {
    database = await createTestDatabase();
    await seedAudience(database.db, 'shoe-browsers', 6_000);
    broadcastWorker = await startBroadcastWorker(database.db, slow);
    temporal = broadcastWorker.temporal;
    env = {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: inject('devServerAddress'),
      TEMPORAL_TASK_QUEUE: broadcastWorker.taskQueue,
    };
  }, 120_000);
  afterAll(async () => {
    await broadcastWorker?.stop();
    await database?.drop();
  });

  it('runs each command with exit 0 and the effect the section describes', async () => {
    const commands = await broadcastCommands();
    expect(commands.length).toBeGreaterThanOrEqual(7);
    const placeholders = [...new Set(commands.join('\n').match(/bc-[0-9a-f]{10}/g) ?? [])];
    const ids = new Map<string, string>();
    const results: [string, ProcessResult][] = [];
    for (const command of commands) {
      let line = command.replace(/^npx omnijourney /, `node ${cliPath} `);
      for (const [placeholder, id] of ids) line = line.replaceAll(placeholder, id);
      const result = await runProcess('bash', ['-c', line], { env: cliEnv(env), timeoutMs: 60_000 });
      expect(result.code, `${command}\n${result.stderr}`).toBe(0);
      results.push([command, result]);
      const created = /^created (bc-[0-9a-f]{10})/.exec(result.stdout)?.[1];
      if (created) ids.set(placeholders[ids.size] ?? '', created);
    }
    const output = (pattern: RegExp) => results.find(([command]) => pattern.test(command))?.[1].stdout ?? '';
    const [first, scheduled] = [...ids.values()];
    expect(output(/status/)).toMatch(new RegExp(`^${first} +running +[\\d.]+% \\(\\d+ of 6000\\)`, 'm'));
    expect(output(/pause/)).toMatch(/ paused /);
    expect(output(/resume/)).toMatch(/ running /);
    expect(output(/--at/)).toMatch(/not begun/);
    expect(output(/cancel/)).toMatch(/ cancelled /);
    expect(output(/list/)).toContain(scheduled);
    const result = await temporal.client.workflow.getHandle(broadcastWorkflowId(first ?? '')).result();
    expect(result).toMatchObject({ status: 'completed', percent: 100, processed: 6_000 });
    expect(new Set(sent.filter((key) => key.startsWith(`broadcast:${first}:`))).size).toBe(4_200);
    expect((await getBroadcast(database.db, scheduled ?? ''))?.status).toBe('cancelled');
    expect(await listBroadcasts(database.db)).toHaveLength(2);
  }, 300_000);

  it('refuses bad input with one line naming each option, exit 2, nothing written', async () => {
    const before = (await listBroadcasts(database.db)).length;
    const line = `node ${cliPath} broadcasts create --segment shoe-browser --template win-bak --channels email,fax`;
    const result = await runProcess('bash', ['-c', line], { env: cliEnv(env), timeoutMs: 60_000 });
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/--channels: .*fax/);
    const unknown = await runProcess(
      'bash',
      ['-c', `node ${cliPath} broadcasts create --segment shoe-browser --template win-bak --channels email`],
      { env: cliEnv(env), timeoutMs: 60_000 },
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      '--segment: no deployed segment "shoe-browser" (did you mean "shoe-browsers"?)',
    );
    expect(unknown.stderr).toContain('--template: no template "win-bak" (did you mean "win-back"?)');
    expect(unknown.stderr).not.toMatch(/at .*\.(ts|js):\d+/);
    expect(await listBroadcasts(database.db)).toHaveLength(before);
  }, 120_000);
});
