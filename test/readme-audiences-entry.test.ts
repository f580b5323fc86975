import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.js';
import { currentJourneys } from '../catalog/journey-catalog.js';
import { ingestMessage } from '../customers/ingest-message.js';
import { journeyRuns } from '../db/schema.js';
import { runProcess, type ProcessResult } from '../infra/run-process.js';
import { workflowsPath } from '../worker/create-worker.js';
import { scheduledEntryWorkflowId } from '../workflows/scheduled-entry/signals.js';
import { cliEnv, cliPath } from './helpers/cli.js';
import { enterSegment } from './helpers/segment-entries.js';
import { connectDevServer, createTestWorker, type DevServerClients } from './helpers/temporal.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));

/** The README's "Entering journeys from a segment" (under "Audiences"). */
async function section(): Promise<string> {
  const readme = await readFile(readmePath, 'utf8');
  return /^### Entering journeys from a segment\n([\s\S]*?)^##/m.exec(readme)?.[1] ?? '';
}

/** Its example files: a code block right below a line naming the file (`path`:). */
const exampleFiles = (text: string) =>
  [...text.matchAll(/^`([\w./-]+)`:\n\n```\w*\n([\s\S]*?)```/gm)].map((m) => ({
    file: m[1] ?? '',
    content: m[2] ?? '',
  }));

/** Its `npx omnijourney …` lines, in order. */
const commands = (text: string) =>
  [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
    (m[1] ?? '').split('\n').filter((line) => line.startsWith('npx omnijourney ')),
  );

/**
 * Every command of the section, as written, in order, against a fresh database holding three
 * members of `vip`, the dev Temporal server and a worker on the CLI's task queue.
 */
describe('README "Entering journeys from a segment": every command, as written, in order', () => {
  let database: TestDatabase;
  let temporal: DevServerClients;
  let worker: Worker;
  let running: Promise<void>;
  let folder: string;
  let env: Record<string, string>;
  const members: string[] = [];
  beforeAll(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(), connectDevServer()]);
    let taskQueue: string;
    ({ worker, taskQueue } = await createTestWorker({
      connection: temporal.nativeConnection,
      activities: createActivities({ db: database.db }),
      workflowsPath,
    }));
    running = worker.run();
    folder = await mkdtemp(path.join(tmpdir(), 'omnijourney-readme-audiences-'));
    for (const { file, content } of exampleFiles(await section())) {
      await mkdir(path.dirname(path.join(folder, file)), { recursive: true });
      await writeFile(path.join(folder, file), content);
    }
    env = {
      DATABASE_URL: database.url,
      OMNIJOURNEY_DATA_DIR: path.join(folder, 'data'),
      TEMPORAL_ADDRESS: temporal.connection.options.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
    };
    for (const name of ['ann', 'bob', 'cy']) {
      const now = new Date();
      const message = {
        type: 'identify' as const,
        userId: name,
        traits: { email: `${name}@example.test` },
        timestamp: now,
      };
      const stored = await ingestMessage(database.db, message, { receivedAt: now });
      if (stored.outcome !== 'stored') throw new Error('not stored');
      members.push(stored.customer.id);
      await enterSegment(database.db, { segmentId: 'vip', customerId: stored.customer.id, at: now });
    }
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await temporal?.close();
    await database?.drop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const vipRuns = () =>
    database.db.select().from(journeyRuns).where(eq(journeyRuns.journeyId, 'vip-welcome'));
  const effects: [RegExp, (result: ProcessResult) => Promise<void>][] = [
    [/journeys validate /, async (r) => expect(r.stdout).toMatch(/^ok +.*morning-letter/m)],
    [
      /journeys deploy /,
      async () => {
        const ids = (await currentJourneys(database.db)).map((j) => j.definition.id).sort();
        expect(ids).toEqual(['morning-letter', 'vip-welcome']);
        // The deploy started the scheduled journey's entry workflow.
        const handle = temporal.client.workflow.getHandle(scheduledEntryWorkflowId('morning-letter'));
        expect((await handle.describe()).status.name).toBe('RUNNING');
        await handle.terminate('test over');
      },
    ],
    [
      /journeys list$/,
      async (r) => {
        expect(r.stdout).toMatch(/^vip-welcome +VIP welcome +\S+ +segment vip entered /m);
        expect(r.stdout).toContain("segment subscribers on schedule 0 10 * * * (each customer's time zone)");
      },
    ],
    [
      /backfill vip-welcome --dry-run$/,
      async (r) => {
        expect(r.stdout).toContain(
          'vip-welcome (segment vip, on enter), dry run: 3 candidate(s), 3 would enter\n',
        );
        expect(await vipRuns()).toEqual([]);
      },
    ],
    [
      /backfill vip-welcome$/,
      async (r) => {
        expect(r.stdout).toContain(
          'vip-welcome (segment vip, on enter): 3 candidate(s), 3 eligible, 3 run(s) started\n',
        );
        expect((await vipRuns()).map((run) => run.customerId).sort()).toEqual([...members].sort());
      },
    ],
  ];

  it('each one exits 0 with the effect the section describes', async () => {
    const text = await section();
    expect(exampleFiles(text).map((f) => f.file)).toEqual([
      'journeys/vip-welcome.yaml',
      'journeys/morning-letter.yaml',
    ]);
    const lines = commands(text);
    expect(lines).toHaveLength(5);
    for (const command of lines) {
      const checks = effects.filter(([pattern]) => pattern.test(command));
      expect(checks.length, `no effect checked for: ${command}`).toBeGreaterThan(0);
      const line = command.replace(/^npx omnijourney/, `"${process.execPath}" "${cliPath}"`);
      const result = await runProcess('bash', ['-c', line], {
        cwd: folder,
        env: cliEnv(env),
        timeoutMs: 120_000,
      });
      expect(result.code, `${command}: ${result.stdout}${result.stderr}`).toBe(0);
      for (const [, check] of checks) await check(result);
    }
  }, 300_000);
});
