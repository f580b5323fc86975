import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkJourney, currentJourneys, deployJourneys } from '../catalog/journey-catalog.js';
import { runCli } from './helpers/cli.js';
import { journey, wait } from './helpers/steps.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

const quiet = journey({ id: 'cli-state', trigger: { event: 'Cli Started' }, steps: [wait({ id: 'w' })] });

/** `journeys pause|resume|undeploy`: the same changes as the admin API, printed or as JSON. */
describe('omnijourney journeys pause, resume, undeploy', () => {
  let database: TestDatabase;
  let folder: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await createTestDatabase();
    await deployJourneys(database.db, [checkJourney(quiet, 'test')]);
    folder = await mkdtemp(path.join(tmpdir(), 'omnijourney-state-'));
    env = { OMNIJOURNEY_DATA_DIR: path.join(folder, 'data'), DATABASE_URL: database.url };
  });
  afterAll(async () => {
    await database?.drop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('pauses, resumes and undeploys; a mistake is one line and exit code 1', async () => {
    const paused = await runCli(['journeys', 'pause', quiet.id, '--json'], env);
    expect(paused.code, paused.stderr).toBe(0);
    expect(JSON.parse(paused.stdout)).toEqual({
      journeyId: quiet.id,
      state: 'paused',
      runsEnded: 0,
      droppedEntries: 0,
    });
    expect((await currentJourneys(database.db))[0]?.paused).toBe(true);

    const resumed = await runCli(['journeys', 'resume', quiet.id], env);
    expect(resumed.stdout).toBe(`${quiet.id}: active\n`);
    const again = await runCli(['journeys', 'resume', quiet.id], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`journey ${quiet.id} is not paused`);
    expect(again.stderr).not.toMatch(/\n\s+at /);

    const undeployed = await runCli(['journeys', 'undeploy', quiet.id], env);
    expect(undeployed.stdout).toBe(`${quiet.id}: undeployed\n`);
    expect(await currentJourneys(database.db)).toEqual([]);
    const unknown = await runCli(['journeys', 'pause', quiet.id], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`no deployed journey ${quiet.id}`);
  });
});
