import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkJourney, deployJourneys } from '../catalog/journey-catalog.js';
import abandonedCart from '../journeys/abandoned-cart.js';
import { runCli } from './helpers/cli.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

/** `journeys show ID [--yaml|--json]`: the deployed definition, as a file that validates and deploys again. */
describe('omnijourney journeys show', () => {
  let database: TestDatabase;
  let folder: string;
  let env: Record<string, string>;
  const deployed = checkJourney(abandonedCart, 'journeys/abandoned-cart.ts');
  beforeAll(async () => {
    database = await createTestDatabase();
    await deployJourneys(database.db, [deployed]);
    folder = await mkdtemp(path.join(tmpdir(), 'omnijourney-show-'));
    env = { DATABASE_URL: database.url, OMNIJOURNEY_DATA_DIR: path.join(folder, 'data') };
  });
  afterAll(async () => {
    await database?.drop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('prints the deployed definition as YAML (default) and JSON; the YAML validates as a file', async () => {
    const yaml = await runCli(['journeys', 'show', 'abandoned-cart'], env);
    expect(yaml.code, yaml.stderr).toBe(0);
    expect(yaml.stdout).toMatch(/^# abandoned-cart, version [0-9a-f]+: edit, then/);
    expect(parse(yaml.stdout)).toEqual(deployed.definition);
    const json = await runCli(['journeys', 'show', 'abandoned-cart', '--json'], env);
    expect(JSON.parse(json.stdout)).toEqual(deployed.definition);

    const file = path.join(folder, 'abandoned-cart.yaml');
    await writeFile(file, yaml.stdout);
    const validated = await runCli(['journeys', 'validate', file], env);
    expect(validated.code, validated.stdout + validated.stderr).toBe(0);
  });

  it('deploy FILE deploys that file only; the built-in journeys only with --builtin', async () => {
    const shown = await runCli(['journeys', 'show', 'abandoned-cart', '--json'], env);
    const edited = {
      ...(JSON.parse(shown.stdout) as Record<string, unknown>),
      name: 'Abandoned cart (edited)',
    };
    const file = path.join(folder, 'edited.json');
    await writeFile(file, JSON.stringify(edited));
    const one = await runCli(['journeys', 'deploy', file, '--json'], env);
    expect(one.code, one.stderr).toBe(0);
    expect(
      (JSON.parse(one.stdout) as { journeyId: string; changed: boolean }[]).map((r) => [
        r.journeyId,
        r.changed,
      ]),
    ).toEqual([['abandoned-cart', true]]);
    const nothing = await runCli(['journeys', 'deploy'], env);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/nothing to deploy: give journey files, or --builtin/);
    const all = await runCli(['journeys', 'deploy', '--builtin', file, '--json'], env);
    expect(all.code, all.stderr).toBe(0);
    const ids = (JSON.parse(all.stdout) as { journeyId: string }[]).map((r) => r.journeyId);
    expect(ids).toEqual(expect.arrayContaining(['abandoned-cart', 'welcome-series', 'win-back']));
    // The win-back enters from a segment: deployed with it, or it would never start.
    const segments = await runCli(['segments', 'list', '--json'], env);
    expect(segments.code, segments.stderr).toBe(0);
    expect(segments.stdout).toContain('"lapsed-customers"');
  });

  it('an unknown journey is one line (exit 1); --yaml with --json a usage error (exit 2)', async () => {
    const unknown = await runCli(['journeys', 'show', 'no-such-journey'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/unknown journey "no-such-journey"/);
    const both = await runCli(['journeys', 'show', 'abandoned-cart', '--yaml', '--json'], env);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--yaml and --json: choose one/);
  });
});
