import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentJourneys } from '../catalog/journey-catalog.js';
import { runCli } from './helpers/cli.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));

const myJourney = `id: my-journey
name: My journey
trigger: { event: Signed Up }
exit:
  - event: Account Closed
steps:
  - { id: wait-1h, type: wait, duration: 1h }
  - { id: hello, type: send, template: welcome-1, channels: [email], intentKey: my-journey-hello }
`;

/** Every `npx omnijourney journeys …` command of the README's "For marketers", run as written, in order. */
describe('README "For marketers": the journey commands', () => {
  let database: TestDatabase;
  let folder: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await createTestDatabase();
    folder = await mkdtemp(path.join(tmpdir(), 'omnijourney-readme-'));
    await mkdir(path.join(folder, 'journeys'));
    await writeFile(path.join(folder, 'journeys', 'my-journey.yaml'), myJourney);
    env = { DATABASE_URL: database.url, OMNIJOURNEY_DATA_DIR: path.join(folder, 'data') };
  });
  afterAll(async () => {
    await database?.drop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('each one succeeds against a fresh database, with the effect the README describes', async () => {
    const readme = await readFile(readmePath, 'utf8');
    const section = /^## For marketers\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
    const commands = [...section.matchAll(/`npx omnijourney (journeys [^`]+)`/g)].map((m) =>
      (m[1] ?? '').split(/\s+/),
    );
    expect(commands.map((args) => args[1])).toEqual([
      'validate',
      'graph',
      'graph',
      'deploy',
      'pause',
      'resume',
      'undeploy',
    ]);
    for (const args of commands) {
      // Relative paths are the marketer's project folder: here, the test's.
      const resolved = args.map((arg) => (/\.(yaml|svg|png)$/.test(arg) ? path.join(folder, arg) : arg));
      const result = await runCli(resolved, env);
      expect(result.code, `${args.join(' ')}: ${result.stdout}${result.stderr}`).toBe(0);
      if (args[1] === 'deploy')
        expect((await currentJourneys(database.db)).map((j) => j.definition.id)).toEqual(['my-journey']);
      if (args[1] === 'pause') expect((await currentJourneys(database.db))[0]?.paused).toBe(true);
      if (args[1] === 'resume') expect((await currentJourneys(database.db))[0]?.paused).toBe(false);
    }
    expect(await currentJourneys(database.db)).toEqual([]);
    for (const file of ['my-journey.svg', 'my-journey.png', 'welcome-series.svg'])
      expect((await readFile(path.join(folder, file))).length, file).toBeGreaterThan(1000);
  }, 120_000);
});
