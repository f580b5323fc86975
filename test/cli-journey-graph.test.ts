import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentJourneys } from '../catalog/journey-catalog.js';
import { runCli } from './helpers/cli.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

const draft = `id: draft-offer
name: Draft offer
trigger: { event: Price Dropped }
exit:
  - event: Order Completed
steps:
  - { id: wait-1h, type: wait, duration: 1h }
  - { id: offer, type: send, template: welcome-1, channels: [email], intentKey: draft-offer }
`;

/** `journeys graph ID|FILE [--svg] [--png]`: drawn without deploying anything (issue 19). */
describe('omnijourney journeys graph', () => {
  let database: TestDatabase;
  let folder: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await createTestDatabase();
    folder = await mkdtemp(path.join(tmpdir(), 'omnijourney-graph-'));
    env = { DATABASE_URL: database.url, OMNIJOURNEY_DATA_DIR: path.join(folder, 'data') };
  });
  afterAll(async () => {
    await database?.drop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('draws a journey file and a built-in journey nobody deployed, as SVG and PNG', async () => {
    const file = path.join(folder, 'draft-offer.yaml');
    await writeFile(file, draft);
    const svgFile = path.join(folder, 'draft.svg');
    const pngFile = path.join(folder, 'draft.png');
    const drawn = await runCli(['journeys', 'graph', file, '--svg', svgFile, '--png', pngFile], env);
    expect(drawn.code, drawn.stderr).toBe(0);
    expect(drawn.stdout).toMatch(/^flowchart TD\n/);
    expect(drawn.stderr).toContain(`SVG written to ${svgFile}`);
    expect(drawn.stderr).toMatch(
      new RegExp(`PNG written to ${pngFile} \\(drawn by (rsvg-convert|chromium)\\)`),
    );
    expect(await readFile(svgFile, 'utf8')).toContain('leaves on Order Completed');
    const png = PNG.sync.read(await readFile(pngFile));
    expect(png.width).toBeGreaterThan(200);

    // A built-in journey, not deployed, with no deployment to ask at all.
    const builtIn = await runCli(['journeys', 'graph', 'welcome-series', '--json'], {
      OMNIJOURNEY_DATA_DIR: path.join(folder, 'nothing-here'),
    });
    expect(builtIn.code, builtIn.stderr).toBe(0);
    expect(JSON.parse(builtIn.stdout)).toMatchObject({ journeyId: 'welcome-series', png: null });
    expect(await currentJourneys(database.db)).toEqual([]);
  });

  it('a file it cannot write is one line', async () => {
    const result = await runCli(
      ['journeys', 'graph', 'welcome-series', '--png', path.join(folder, 'no', 'such', 'dir.png')],
      env,
    );
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n').at(-1)).toMatch(/^omnijourney: cannot write .*dir\.png/);
  });
});
